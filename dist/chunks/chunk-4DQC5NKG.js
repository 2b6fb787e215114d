import{StageError,planBatches,toPaasError}from"./chunk-2KNQAK66.js";import{UnsafeValueError}from"./chunk-GQGIWILD.js";import{markdownTable}from"./chunk-K5E43WZB.js";import{failure}from"./chunk-5D5EWXQ2.js";import{PaasError}from"./chunk-L7O2TFIE.js";import{init_define_PAAS_ACTION_INPUTS}from"./chunk-SC5UI32A.js";init_define_PAAS_ACTION_INPUTS();function tableSummary(title,nodes,release){return`#### ${title}

${markdownTable(["target","before","release","status"],nodes.map(n=>[n.name,n.previous??"-",release??"-",n.status]))}
`}function asStageError(e,stage){return e instanceof StageError?e:e instanceof UnsafeValueError?new StageError("PAAS_INVALID_ARGUMENT",stage,"",`${e.message}: refused before anything ran`):null}function fail(rt,ctx,mode,e,fields,nodes=[]){let se=asStageError(e,"input"),err=se?se.code==="PAAS_INVALID_ARGUMENT"?new PaasError(se.code,se.message,{stage:se.stage,remediation:"Use names of letters, digits, dot, dash, underscore (app: lowercase)."}):toPaasError(se,mode==="apply"?nodes:void 0):e,failing=se?.target?nodes.find(n=>n.name===se.target):void 0,lastLines=failing?.lastLines()??[],all={...fields,...se?{failed_stage:se.stage,failed_target:se.target||null}:{},...lastLines.length?{last_log_lines:lastLines.join(`
`)}:{}},o=failure(rt.redactor,"deploy",ctx,mode,err,all),info=o.envelope.error,why=info?`**${info.code}**${info.stage?` at ${info.stage}`:""}${info.target?` on ${info.target}`:""}: ${info.message}

**Fix:** ${info.remediation}

`:"";return nodes.length&&(o.summary=why+tableSummary("Targets",nodes,typeof fields.release_id=="string"?fields.release_id:null)+(lastLines.length?`
Last log lines of ${failing?.name}:

\`\`\`
${rt.redactor.redact(lastLines.join(`
`))}
\`\`\`
`:"")),lastLines.length&&(o.text=`last log lines of ${failing?.name}:
${lastLines.map(l=>`  ${l}`).join(`
`)}`),o}init_define_PAAS_ACTION_INPUTS();import{createHash}from"node:crypto";function units(targets,cfg){return cfg.strategy==="rolling"?planBatches(targets,cfg):targets.map(t=>[t])}function refuseBluegreen(cfg){if(cfg.strategy==="bluegreen")throw new PaasError("PAAS_INVALID_ARGUMENT","a bluegreen deploy cannot be sharded",{stage:"input",remediation:"Deploy a bluegreen app in one job (no `shards`/`shard`), or use the serial, rolling, parallel or canary strategy."})}function planShards(targets,cfg,requested){if(refuseBluegreen(cfg),!Number.isInteger(requested)||requested<1||requested>256)throw new PaasError("PAAS_INVALID_ARGUMENT",`shards must be a whole number from 1 to ${256}`,{stage:"input",remediation:"Pass `shards: N` (--plan-shards N), e.g. 4."});if(!targets.length)throw new PaasError("PAAS_INVALID_ARGUMENT","the context has no targets to shard",{stage:"input",remediation:"Set PAAS_TARGETS in the context's vault (and check the context's default_targets)."});let u=units(targets,cfg),count=Math.min(requested,u.length),slices=[];for(let i=0;i<count;i++)slices.push(u.slice(Math.floor(i*u.length/count),Math.floor((i+1)*u.length/count)).flat());let include=slices.map((_,i)=>({shard:`${i+1}/${count}`}));return{matrix:JSON.stringify({include}),count,requested,slices}}function shardSlice(targets,cfg,ref){refuseBluegreen(cfg);let plan=planShards(targets,cfg,ref.count);if(plan.count!==ref.count)throw new PaasError("PAAS_INVALID_ARGUMENT",`shard ${ref.index}/${ref.count} does not exist: ${targets.length} target(s) make at most ${plan.count} shard(s)`,{stage:"input",remediation:"Pass the `shard` values of the matrix `mode: plan_shards` wrote for this fleet; plan again if PAAS_TARGETS changed."});return plan.slices[ref.index-1]}function shardIdentity(rt,context,app,release){let h=s=>createHash("sha256").update(s).digest("hex"),gh=rt.env.GITHUB_RUN_ID,run=gh&&/^\d{1,20}$/.test(gh)?gh:`local-${h(`${context}
${app}
${release}`).slice(0,12)}`,token=`s${h(`paas-sharded-deploy
${context}
${app}
${run}
${release}`).slice(0,32)}`;return{run,token}}function requireShardRelease(release,what){if(release)return release;throw new PaasError("PAAS_INVALID_ARGUMENT",`${what} needs release_id: every shard and finalize deploy one release`,{stage:"input",remediation:"Pass the same `release_id` (--release-id) to every shard and to finalize, e.g. `${{ github.run_id }}-${{ github.sha }}` or an output of the plan job."})}export{tableSummary,asStageError,fail,planShards,shardSlice,shardIdentity,requireShardRelease};
