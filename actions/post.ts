import '../lib/runtime/dirname-shim.js';
import { runPost } from '../lib/runtime/action.js';

await runPost();
