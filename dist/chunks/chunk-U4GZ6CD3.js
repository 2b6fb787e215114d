function envelope(command,context,mode,fields,error){let env={ok:!error,command,context,mode,fields};return error&&(env.error=error),env}export{envelope};
