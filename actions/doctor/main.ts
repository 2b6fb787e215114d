import '../../lib/runtime/dirname-shim.js';
import { runAction } from '../../lib/runtime/action.js';

await runAction('doctor');
