export const id = 607;
export const ids = [607];
export const modules = {

/***/ 3607:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   eventsList: () => (/* binding */ eventsList)
/* harmony export */ });
/* harmony import */ var zod__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(2857);
/* harmony import */ var zod__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(9567);
/* harmony import */ var _output_outcome_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(6674);
/* harmony import */ var _output_summary_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(9618);
/* harmony import */ var _isolation_names_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(9869);
/* harmony import */ var _runtime_inputs_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(8364);
/* harmony import */ var _runtime_session_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(1805);






const schema = zod__WEBPACK_IMPORTED_MODULE_4__/* .object */ .Ikc({
    context: _isolation_names_js__WEBPACK_IMPORTED_MODULE_1__/* .contextName */ .fW.optional(),
    kind: zod__WEBPACK_IMPORTED_MODULE_4__/* .string */ .YjP().regex(/^[a-z0-9_.-]{1,64}$/, { error: 'must be an event kind such as deploy.finished' }).optional(),
    limit: zod__WEBPACK_IMPORTED_MODULE_5__/* .number */ .ai().int().min(1).max(10000).default(50),
    state_root: _runtime_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .pathInput */ .gm.optional(),
    allow_unsafe_state_root: _runtime_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .boolInput */ .Hm.default(false),
})
    .strict();
/** `paas events list`: newest first, one context only. */
function eventsList(rt, raw) {
    const a = (0,_runtime_inputs_js__WEBPACK_IMPORTED_MODULE_2__/* .parseInputs */ .TL)(schema, raw, 'argument');
    const store = (0,_runtime_session_js__WEBPACK_IMPORTED_MODULE_3__/* .openStore */ .Ch)(rt, a);
    const c = (0,_runtime_session_js__WEBPACK_IMPORTED_MODULE_3__/* .resolveContext */ .wK)(rt, store, a.context, { mutating: false, createIfMissing: false });
    const events = store.events(c.name, rt.redactor).list({ kind: a.kind, limit: a.limit });
    return (0,_output_outcome_js__WEBPACK_IMPORTED_MODULE_0__/* .outcome */ .b)(rt.redactor, {
        command: 'events_list',
        context: c.name,
        line: [['context', c.name], ['events', events.length]],
        fields: { events },
        text: events.map((e) => `${e.at} ${e.level.padEnd(8)} ${e.kind} ${e.message}`).join('\n') || 'no events',
        summary: (0,_output_summary_js__WEBPACK_IMPORTED_MODULE_6__/* .markdownTable */ .Q)(['at', 'level', 'kind', 'message'], events.map((e) => [e.at, e.level, e.kind, e.message])),
    });
}


/***/ })

};
