/** Graph credentials for production mode: a client secret, or a managed identity when configured. */
import { ClientSecretCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import type { Config } from '../config.js';
import { GraphError } from '../errors.js';
import type { TokenProvider } from './graph-client.js';

const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

export function graphTokenProvider(auth: Config['graphAuth']): TokenProvider | undefined {
  let credential: TokenCredential;
  switch (auth.kind) {
    case 'none':
      return undefined;
    case 'clientSecret':
      credential = new ClientSecretCredential(auth.tenantId, auth.clientId, auth.clientSecret);
      break;
    case 'managedIdentity':
      credential = auth.clientId ? new ManagedIdentityCredential({ clientId: auth.clientId }) : new ManagedIdentityCredential();
      break;
  }
  // @azure/identity caches and refreshes the token itself.
  return async () => {
    try {
      const token = await credential.getToken(GRAPH_SCOPE);
      if (token) return token.token;
    } catch (cause) {
      throw new GraphError('Could not get a Microsoft Graph token: check AZURE_TENANT_ID, AZURE_CLIENT_ID and the client secret or managed identity.', { httpStatus: 401, graphCode: 'TokenAcquisitionFailed' }, { cause });
    }
    throw new GraphError('Microsoft Entra ID returned no Graph token for the app.', { httpStatus: 401, graphCode: 'TokenAcquisitionFailed' });
  };
}
