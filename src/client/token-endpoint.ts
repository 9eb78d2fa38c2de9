// What a request to the token endpoint needs: discovery, client authentication and the request
// itself (with the error explanations, mTLS and presets they bring). `oauth token` and the refresh
// of a cached token import() this only when they make one: a still-usable cached token loads none.
export { clientAuth } from './credentials.js';
export { resolveServer } from './server.js';
export { requestToken } from '../oauth/token-request.js';
