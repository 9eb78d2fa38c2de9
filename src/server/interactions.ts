// The login and consent steps of oidc-provider's interactions, on our own pages: GET shows the page
// for the pending prompt (or, with --auto-login, answers it at once), POSTs finish it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Interaction, Provider } from 'oidc-provider';
import { consentPage, loginPage, sendPage } from './pages.js';

const MAX_FORM = 16 * 1024;

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > MAX_FORM) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** A user name as typed: trimmed, 1-64 printable characters. */
export function validUserName(value: string | null): string | undefined {
  const name = (value ?? '').trim();
  if (name === '' || name.length > 64 || /[\u0000-\u001f\u007f]/.test(name)) return undefined;
  return name;
}

// OIDC Core §3.1.2.4: the consent, recorded as a grant of the scopes and resources asked for.
async function grantConsent(provider: Provider, interaction: Interaction): Promise<string> {
  const { prompt, params, session, grantId } = interaction;
  const accountId = session?.accountId ?? '';
  const clientId = String(params.client_id);
  const grant =
    (grantId ? await provider.Grant.find(grantId) : undefined) ??
    new provider.Grant({ accountId, clientId });
  const missingScope = strings(prompt.details.missingOIDCScope);
  if (missingScope.length) grant.addOIDCScope(missingScope.join(' '));
  const missingClaims = strings(prompt.details.missingOIDCClaims);
  if (missingClaims.length) grant.addOIDCClaims(missingClaims);
  const resources = prompt.details.missingResourceScopes;
  if (resources && typeof resources === 'object') {
    for (const [indicator, scopes] of Object.entries(resources)) {
      grant.addResourceScope(indicator, strings(scopes).join(' '));
    }
  }
  return grant.save();
}

function requestedScopes(interaction: Interaction): string[] {
  const details = interaction.prompt.details;
  const resources = details.missingResourceScopes;
  const resourceScopes =
    resources && typeof resources === 'object'
      ? Object.values(resources).flatMap((scopes) => strings(scopes))
      : [];
  // A scope of both kinds (api:read asked for with a resource) is listed once.
  return [...new Set([...strings(details.missingOIDCScope), ...resourceScopes])];
}

export function createInteractionHandler(provider: Provider, autoLogin: string | undefined) {
  async function finish(req: IncomingMessage, res: ServerResponse, i: Interaction, login?: string) {
    if (i.prompt.name === 'login') {
      const accountId = login ?? autoLogin ?? '';
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId } },
        {
          mergeWithLastSubmission: false,
        },
      );
      return;
    }
    const grantId = await grantConsent(provider, i);
    await provider.interactionFinished(
      req,
      res,
      { consent: { grantId } },
      {
        mergeWithLastSubmission: true,
      },
    );
  }

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const [, , uid, action] = path.split('/');
    let interaction: Interaction;
    try {
      interaction = await provider.interactionDetails(req, res);
    } catch {
      sendPage(
        res,
        400,
        'Sign-in expired',
        '<p>This sign-in request is unknown or expired. Start again from your application.</p>',
      );
      return;
    }
    if (interaction.uid !== uid) {
      sendPage(
        res,
        400,
        'Sign-in mismatch',
        '<p>This page does not belong to the current sign-in.</p>',
      );
      return;
    }
    const clientId = String(interaction.params.client_id ?? '');
    if (req.method === 'GET' && action === undefined) {
      if (autoLogin !== undefined) return finish(req, res, interaction);
      if (interaction.prompt.name === 'login') {
        sendPage(res, 200, 'Sign in', loginPage(uid, clientId));
      } else {
        const account = interaction.session?.accountId ?? '';
        sendPage(
          res,
          200,
          'Allow access?',
          consentPage(uid, clientId, account, requestedScopes(interaction)),
        );
      }
      return;
    }
    if (req.method !== 'POST') {
      sendPage(res, 405, 'Not allowed', '<p>Use the form.</p>');
      return;
    }
    const form = await readForm(req);
    switch (action) {
      case 'login': {
        const name = validUserName(form.get('login'));
        if (interaction.prompt.name !== 'login') break;
        if (!name) {
          sendPage(
            res,
            400,
            'Sign in',
            loginPage(uid, clientId, 'Enter a user name (1 to 64 characters).'),
          );
          return;
        }
        return finish(req, res, interaction, name);
      }
      case 'confirm':
        if (interaction.prompt.name !== 'consent') break;
        return finish(req, res, interaction);
      case 'abort':
        // RFC 6749 §4.1.2.1: the user said no.
        await provider.interactionFinished(
          req,
          res,
          { error: 'access_denied', error_description: 'the user denied the request' },
          { mergeWithLastSubmission: false },
        );
        return;
    }
    sendPage(
      res,
      400,
      'Unexpected form',
      '<p>This form does not match the current sign-in step.</p>',
    );
  };
}
