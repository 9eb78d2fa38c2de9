// The small part of oidc-provider's API that src/server uses (the package ships no types).
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export interface Interaction {
    uid: string;
    prompt: { name: string; reasons: string[]; details: Record<string, unknown> };
    params: Record<string, unknown>;
    session?: { accountId: string } | undefined;
    grantId?: string | undefined;
  }

  export interface Grant {
    addOIDCScope(scope: string): void;
    addOIDCClaims(claims: string[]): void;
    addResourceScope(resource: string, scope: string): void;
    save(): Promise<string>;
  }

  export interface StoredToken {
    isExpired: boolean;
  }

  export interface KoaContext {
    body: unknown;
    type: string;
    set(name: string, value: string): void;
    oidc: { client?: { clientId: string; clientName?: string } | undefined };
  }

  export class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: Record<string, unknown>,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
    on(event: string, listener: (...args: unknown[]) => void): this;
    Grant: {
      new (properties: { accountId: string; clientId: string }): Grant;
      find(id: string): Promise<Grant | undefined>;
    };
    AccessToken: { find(value: string): Promise<StoredToken | undefined> };
    Client: {
      find(
        id: string,
      ): Promise<{ clientId: string; clientSecret?: string | undefined } | undefined>;
    };
    ClientCredentials: { find(value: string): Promise<StoredToken | undefined> };
  }

  export const errors: {
    InvalidTarget: new (description?: string) => Error;
    InvalidAuthorizationDetails: new (description?: string) => Error;
    InvalidClientMetadata: new (description?: string) => Error;
  };

  export default Provider;
}
