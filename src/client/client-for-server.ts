// The client id to use at an authorization server when none was given (no --client-id, profile or
// environment). The registration work (RFC 7591, client ID metadata documents) plugs in here; until
// then it is the "no client id" error, said in this one place.
import { usageError } from '../errors.js';
import type { Warn } from '../findings.js';
import type { Server } from './server.js';
import type { Settings } from './settings.js';
import type { Context } from '../context.js';

export async function clientForServer(
  _ctx: Context,
  _settings: Settings,
  _server: Server,
  _warn: Warn,
): Promise<string> {
  throw usageError(
    'client_id_missing',
    'no client id given',
    'pass --client-id <id> or set OAUTH_CLIENT_ID (or use a --profile that has one)',
  );
}
