import { provideToolApi } from './files/evaluate.js';
import * as api from './public-api.js';

// Tool files that `import … from 'mcp-sse'` get this module's own API, so their definitions carry
// the brands this copy of the server recognises.
provideToolApi(api);

export * from './public-api.js';
