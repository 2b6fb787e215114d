import '../../lib/runtime/dirname-shim.js';
import { runUmbrella } from '../../lib/runtime/action.js';

await runUmbrella();
