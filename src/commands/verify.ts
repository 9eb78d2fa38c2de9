import type { Context } from '../context.js';
export async function verifyCommand(
  _options: Record<string, unknown>,
  _ctx: Context,
): Promise<number> {
  return 0;
}
