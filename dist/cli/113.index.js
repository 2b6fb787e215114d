export const id = 113;
export const ids = [113];
export const modules = {

/***/ 8113:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   contextCreate: () => (/* binding */ contextCreate),
/* harmony export */   contextExport: () => (/* binding */ contextExport),
/* harmony export */   contextImport: () => (/* binding */ contextImport),
/* harmony export */   contextList: () => (/* binding */ contextList),
/* harmony export */   contextRemove: () => (/* binding */ contextRemove),
/* harmony export */   contextShow: () => (/* binding */ contextShow),
/* harmony export */   contextUse: () => (/* binding */ contextUse),
/* harmony export */   createSchema: () => (/* binding */ createSchema)
/* harmony export */ });
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var zod__WEBPACK_IMPORTED_MODULE_10__ = __webpack_require__(2857);
/* harmony import */ var _output_errors_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(3879);
/* harmony import */ var _output_outcome_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(6674);
/* harmony import */ var _output_summary_js__WEBPACK_IMPORTED_MODULE_11__ = __webpack_require__(9618);
/* harmony import */ var _isolation_context_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(5654);
/* harmony import */ var _isolation_names_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(9869);
/* harmony import */ var _isolation_vault_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(4345);
/* harmony import */ var _runtime_inputs_js__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(8364);
/* harmony import */ var _runtime_session_js__WEBPACK_IMPORTED_MODULE_8__ = __webpack_require__(1805);
/* harmony import */ var _state_fs_safe_js__WEBPACK_IMPORTED_MODULE_9__ = __webpack_require__(339);












const rootInputs = {
    state_root: _runtime_inputs_js__WEBPACK_IMPORTED_MODULE_7__/* .pathInput */ .gm.optional(),
    allow_unsafe_state_root: _runtime_inputs_js__WEBPACK_IMPORTED_MODULE_7__/* .boolInput */ .Hm.default(false),
};
const SECRET_KEY_RE = /secret|token|password|passwd|credential|private_?key|api_?key|vault|dsn/i;
function summaryOf(c) {
    return { name: c.name, type: c.type, state_root: c.state_root, vault_file: c.vault_file, default_targets: c.default_targets, webhook_policy: c.webhook_policy, audit_sink: c.audit_sink, created_at: c.created_at };
}
const createSchema = zod__WEBPACK_IMPORTED_MODULE_10__/* .object */ .Ikc({
    name: _isolation_names_js__WEBPACK_IMPORTED_MODULE_5__/* .contextName */ .fW,
    type: zod__WEBPACK_IMPORTED_MODULE_10__/* ["enum"] */ .k5n(_isolation_names_js__WEBPACK_IMPORTED_MODULE_5__/* .CONTEXT_TYPES */ .k0).optional(),
    vault_file: _runtime_inputs_js__WEBPACK_IMPORTED_MODULE_7__/* .pathInput */ .gm.optional(),
    default_targets: zod__WEBPACK_IMPORTED_MODULE_10__/* .array */ .YOg(zod__WEBPACK_IMPORTED_MODULE_10__/* .string */ .YjP()).optional(),
    events: zod__WEBPACK_IMPORTED_MODULE_10__/* .array */ .YOg(zod__WEBPACK_IMPORTED_MODULE_10__/* .string */ .YjP()).optional(),
    branches: zod__WEBPACK_IMPORTED_MODULE_10__/* .array */ .YOg(zod__WEBPACK_IMPORTED_MODULE_10__/* .string */ .YjP()).optional(),
    actors: zod__WEBPACK_IMPORTED_MODULE_10__/* .array */ .YOg(zod__WEBPACK_IMPORTED_MODULE_10__/* .string */ .YjP()).optional(),
    ...rootInputs,
})
    .strict();
function contextCreate(rt, raw) {
    const a = (0,_runtime_inputs_js__WEBPACK_IMPORTED_MODULE_7__/* .parseInputs */ .TL)(createSchema, raw, 'argument');
    const type = a.type ?? (0,_isolation_names_js__WEBPACK_IMPORTED_MODULE_5__/* .impliedContextType */ .K7)(a.name);
    if (!type) {
        throw new _output_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PaasError */ .wF('PAAS_INVALID_ARGUMENT', `the type of context ${a.name} cannot be inferred from its name`, {
            remediation: 'Pass --type internal|demo|customer, or use a recommended name: internal-dogfood, oss-demo, customer-<id>.',
        });
    }
    const store = (0,_runtime_session_js__WEBPACK_IMPORTED_MODULE_8__/* .openStore */ .Ch)(rt, a);
    if (a.vault_file) {
        const problem = (0,_isolation_vault_js__WEBPACK_IMPORTED_MODULE_6__/* .vaultFileProblem */ .Sw)(a.vault_file, rt.workspace);
        if (problem)
            throw new _output_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PaasError */ .wF('PAAS_VAULT_UNSAFE', problem, { stage: 'vault', remediation: 'Keep the vault file outside any repository with mode 0600 (chmod 600 <file>).' });
        const shared = store.list().find((c) => c.vault_file === a.vault_file);
        if (shared)
            throw new _output_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PaasError */ .wF('PAAS_VAULT_UNSAFE', `vault file is already the vault of context ${shared.name}`, { stage: 'vault', remediation: 'Give every context its own vault file.' });
    }
    const policy = (0,_runtime_inputs_js__WEBPACK_IMPORTED_MODULE_7__/* .parseInputs */ .TL)(_isolation_context_js__WEBPACK_IMPORTED_MODULE_4__/* .webhookPolicySchema */ .hd, { events: a.events, branches: a.branches, actors: a.actors }, 'argument');
    const config = (0,_runtime_inputs_js__WEBPACK_IMPORTED_MODULE_7__/* .parseInputs */ .TL)(_isolation_context_js__WEBPACK_IMPORTED_MODULE_4__/* .contextConfigSchema */ .p4, {
        name: a.name,
        type,
        state_root: store.root.path,
        vault_file: a.vault_file ?? null,
        default_targets: a.default_targets ?? [],
        webhook_policy: policy,
        created_at: rt.now().toISOString(),
    }, 'argument');
    store.create(config);
    store.events(config.name, rt.redactor).append('context.created', `context ${config.name} created`, { type });
    if (!store.selected())
        store.select(config.name);
    return (0,_output_outcome_js__WEBPACK_IMPORTED_MODULE_3__/* .outcome */ .b)(rt.redactor, {
        command: 'context_create',
        context: config.name,
        line: [['context', config.name], ['kind', type]],
        fields: summaryOf(config),
        text: `created context ${config.name} (${type}) in ${store.paths(config.name).dir}`,
    });
}
function contextList(rt, raw) {
    const a = (0,_runtime_inputs_js__WEBPACK_IMPORTED_MODULE_7__/* .parseInputs */ .TL)(zod__WEBPACK_IMPORTED_MODULE_10__/* .object */ .Ikc(rootInputs).strict(), raw, 'argument');
    const store = (0,_runtime_session_js__WEBPACK_IMPORTED_MODULE_8__/* .openStore */ .Ch)(rt, a);
    const list = store.list();
    const selected = store.selected();
    return (0,_output_outcome_js__WEBPACK_IMPORTED_MODULE_3__/* .outcome */ .b)(rt.redactor, {
        command: 'context_list',
        context: selected,
        line: [['contexts', list.length]],
        fields: { selected, contexts: list.map((c) => ({ name: c.name, type: c.type, selected: c.name === selected })) },
        text: list.length ? list.map((c) => `${c.name === selected ? '*' : ' '} ${c.name} (${c.type})`).join('\n') : 'no contexts yet: paas context create <name>',
        summary: (0,_output_summary_js__WEBPACK_IMPORTED_MODULE_11__/* .markdownTable */ .Q)(['context', 'type'], list.map((c) => [c.name, c.type])),
    });
}
const nameSchema = zod__WEBPACK_IMPORTED_MODULE_10__/* .object */ .Ikc({ name: _isolation_names_js__WEBPACK_IMPORTED_MODULE_5__/* .contextName */ .fW, ...rootInputs }).strict();
const optionalNameSchema = zod__WEBPACK_IMPORTED_MODULE_10__/* .object */ .Ikc({ name: _isolation_names_js__WEBPACK_IMPORTED_MODULE_5__/* .contextName */ .fW.optional(), ...rootInputs }).strict();
function contextUse(rt, raw) {
    const a = (0,_runtime_inputs_js__WEBPACK_IMPORTED_MODULE_7__/* .parseInputs */ .TL)(nameSchema, raw, 'argument');
    const store = (0,_runtime_session_js__WEBPACK_IMPORTED_MODULE_8__/* .openStore */ .Ch)(rt, a);
    store.select(a.name);
    return (0,_output_outcome_js__WEBPACK_IMPORTED_MODULE_3__/* .outcome */ .b)(rt.redactor, { command: 'context_use', context: a.name, line: [['context', a.name]], text: `now using context ${a.name}` });
}
function contextShow(rt, raw) {
    const a = (0,_runtime_inputs_js__WEBPACK_IMPORTED_MODULE_7__/* .parseInputs */ .TL)(optionalNameSchema, raw, 'argument');
    const store = (0,_runtime_session_js__WEBPACK_IMPORTED_MODULE_8__/* .openStore */ .Ch)(rt, a);
    const c = (0,_runtime_session_js__WEBPACK_IMPORTED_MODULE_8__/* .resolveContext */ .wK)(rt, store, a.name, { mutating: false, createIfMissing: false });
    const p = store.paths(c.name);
    const contents = store.contents(c.name, rt.redactor);
    return (0,_output_outcome_js__WEBPACK_IMPORTED_MODULE_3__/* .outcome */ .b)(rt.redactor, {
        command: 'context_show',
        context: c.name,
        line: [['context', c.name], ['kind', c.type]],
        fields: { ...summaryOf(c), paths: p, ...contents },
        text: JSON.stringify({ ...summaryOf(c), dir: p.dir, ...contents }, null, 2),
    });
}
function contextRemove(rt, raw) {
    const a = (0,_runtime_inputs_js__WEBPACK_IMPORTED_MODULE_7__/* .parseInputs */ .TL)(zod__WEBPACK_IMPORTED_MODULE_10__/* .object */ .Ikc({ name: _isolation_names_js__WEBPACK_IMPORTED_MODULE_5__/* .contextName */ .fW, force: _runtime_inputs_js__WEBPACK_IMPORTED_MODULE_7__/* .boolInput */ .Hm.default(false), ...rootInputs }).strict(), raw, 'argument');
    const store = (0,_runtime_session_js__WEBPACK_IMPORTED_MODULE_8__/* .openStore */ .Ch)(rt, a);
    store.remove(a.name, a.force, rt.redactor);
    return (0,_output_outcome_js__WEBPACK_IMPORTED_MODULE_3__/* .outcome */ .b)(rt.redactor, { command: 'context_remove', context: a.name, line: [['context', a.name]], text: `removed context ${a.name}` });
}
function contextExport(rt, raw) {
    const a = (0,_runtime_inputs_js__WEBPACK_IMPORTED_MODULE_7__/* .parseInputs */ .TL)(zod__WEBPACK_IMPORTED_MODULE_10__/* .object */ .Ikc({ name: _isolation_names_js__WEBPACK_IMPORTED_MODULE_5__/* .contextName */ .fW, out: _runtime_inputs_js__WEBPACK_IMPORTED_MODULE_7__/* .pathInput */ .gm.optional(), dangerously_include_secrets: _runtime_inputs_js__WEBPACK_IMPORTED_MODULE_7__/* .boolInput */ .Hm.default(false), ...rootInputs }).strict(), raw, 'argument');
    const store = (0,_runtime_session_js__WEBPACK_IMPORTED_MODULE_8__/* .openStore */ .Ch)(rt, a);
    const c = store.get(a.name);
    const doc = {
        format: 'paas-context-export/1',
        name: c.name,
        type: c.type,
        default_targets: c.default_targets,
        webhook_policy: c.webhook_policy,
        audit_sink: c.audit_sink,
    };
    if (a.dangerously_include_secrets) {
        if (!c.vault_file)
            throw new _output_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PaasError */ .wF('PAAS_VAULT_UNMAPPED', `context ${c.name} has no vault file to export`, { remediation: 'Export without --dangerously-include-secrets.' });
        rt.logger.warn(`DANGER: the export of ${c.name} includes vault secrets; keep it out of any repository and delete it after use`);
        doc.vault = Object.fromEntries((0,_isolation_vault_js__WEBPACK_IMPORTED_MODULE_6__/* .parseDotenv */ .qd)((0,node_fs__WEBPACK_IMPORTED_MODULE_0__.readFileSync)(c.vault_file, 'utf8')));
    }
    const text = JSON.stringify(doc, null, 2) + '\n';
    if (a.out) {
        (0,_state_fs_safe_js__WEBPACK_IMPORTED_MODULE_9__/* .writeFilePrivate */ .B)(a.out, text);
    }
    store.events(c.name, rt.redactor).append('context.exported', `context ${c.name} exported`, { secrets_included: a.dangerously_include_secrets });
    // the envelope/text never carry vault values: the redactor would mask them, and we leave them out entirely
    const { vault: _v, ...publicDoc } = doc;
    return (0,_output_outcome_js__WEBPACK_IMPORTED_MODULE_3__/* .outcome */ .b)(rt.redactor, {
        command: 'context_export',
        context: c.name,
        line: [['context', c.name]],
        fields: { export: publicDoc, out: a.out ?? null, secrets_included: a.dangerously_include_secrets },
        text: a.out ? `exported context ${c.name} to ${a.out}` : JSON.stringify(publicDoc, null, 2),
    });
}
/** Keys of an export document that look like secrets (by name, or by value through the redactor's patterns). */
function secretLikeKeys(rt, value, path = '') {
    if (Array.isArray(value))
        return value.flatMap((v, i) => secretLikeKeys(rt, v, `${path}[${i}]`));
    if (value && typeof value === 'object') {
        return Object.entries(value).flatMap(([k, v]) => {
            const p = path ? `${path}.${k}` : k;
            return SECRET_KEY_RE.test(k) ? [p] : secretLikeKeys(rt, v, p);
        });
    }
    if (typeof value === 'string' && rt.redactor.containsSecret(value))
        return [path || '(value)'];
    return [];
}
function contextImport(rt, raw) {
    const a = (0,_runtime_inputs_js__WEBPACK_IMPORTED_MODULE_7__/* .parseInputs */ .TL)(zod__WEBPACK_IMPORTED_MODULE_10__/* .object */ .Ikc({ file: _runtime_inputs_js__WEBPACK_IMPORTED_MODULE_7__/* .pathInput */ .gm, name: _isolation_names_js__WEBPACK_IMPORTED_MODULE_5__/* .contextName */ .fW.optional(), dangerously_include_secrets: _runtime_inputs_js__WEBPACK_IMPORTED_MODULE_7__/* .boolInput */ .Hm.default(false), ...rootInputs }).strict(), raw, 'argument');
    if (!(0,node_fs__WEBPACK_IMPORTED_MODULE_0__.existsSync)(a.file))
        throw new _output_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PaasError */ .wF('PAAS_INVALID_ARGUMENT', `import file ${a.file} does not exist`, { remediation: 'Pass the path of a file written by `paas context export`.' });
    let doc;
    try {
        doc = JSON.parse((0,node_fs__WEBPACK_IMPORTED_MODULE_0__.readFileSync)(a.file, 'utf8'));
    }
    catch {
        throw new _output_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PaasError */ .wF('PAAS_INVALID_ARGUMENT', `import file ${a.file} is not JSON`, { remediation: 'Pass the path of a file written by `paas context export`.' });
    }
    const secretKeys = secretLikeKeys(rt, doc);
    if (secretKeys.length && !a.dangerously_include_secrets) {
        throw new _output_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PaasError */ .wF('PAAS_SECRET_IN_IMPORT', `import file holds secret-like keys: ${secretKeys.join(', ')}`, {
            stage: 'import',
            remediation: 'Import metadata only (remove those keys), or pass --dangerously-include-secrets to write them into the new context\'s private vault file.',
        });
    }
    const parsed = (0,_runtime_inputs_js__WEBPACK_IMPORTED_MODULE_7__/* .parseInputs */ .TL)(_isolation_context_js__WEBPACK_IMPORTED_MODULE_4__/* .contextExportSchema */ .ts, doc, 'import field');
    const name = a.name ?? parsed.name;
    const store = (0,_runtime_session_js__WEBPACK_IMPORTED_MODULE_8__/* .openStore */ .Ch)(rt, a);
    let vaultFile = null;
    const vault = doc.vault;
    const vaultEntries = vault && typeof vault === 'object' ? Object.entries(vault).filter(([k, v]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) && typeof v === 'string') : [];
    if (a.dangerously_include_secrets && vaultEntries.length) {
        const dir = (0,node_path__WEBPACK_IMPORTED_MODULE_1__.join)(store.root.path, 'vaults');
        (0,_state_fs_safe_js__WEBPACK_IMPORTED_MODULE_9__/* .mkdirPrivate */ .D)(dir);
        vaultFile = (0,node_path__WEBPACK_IMPORTED_MODULE_1__.join)(dir, `${name}.env`);
        if ((0,node_fs__WEBPACK_IMPORTED_MODULE_0__.existsSync)(vaultFile))
            throw new _output_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .PaasError */ .wF('PAAS_VAULT_UNSAFE', `a vault file for ${name} already exists`, { remediation: `Remove ${vaultFile} first or import under another name.` });
        for (const [, v] of vaultEntries)
            rt.redactor.register(v);
        rt.logger.warn(`DANGER: importing ${vaultEntries.length} vault secret(s) into ${vaultFile}`);
    }
    const config = _isolation_context_js__WEBPACK_IMPORTED_MODULE_4__/* .contextConfigSchema */ .p4.parse({
        name,
        type: parsed.type,
        state_root: store.root.path,
        vault_file: vaultFile,
        default_targets: parsed.default_targets,
        webhook_policy: parsed.webhook_policy,
        audit_sink: parsed.audit_sink,
        created_at: rt.now().toISOString(),
    });
    store.create(config);
    if (vaultFile)
        (0,_state_fs_safe_js__WEBPACK_IMPORTED_MODULE_9__/* .writeFilePrivate */ .B)(vaultFile, vaultEntries.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join('\n') + '\n');
    store.events(name, rt.redactor).append('context.imported', `context ${name} imported`, { secrets_included: Boolean(vaultFile) });
    return (0,_output_outcome_js__WEBPACK_IMPORTED_MODULE_3__/* .outcome */ .b)(rt.redactor, { command: 'context_import', context: name, line: [['context', name], ['kind', parsed.type]], fields: summaryOf(config), text: `imported context ${name} (${parsed.type})` });
}


/***/ })

};
