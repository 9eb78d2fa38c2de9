// The package's version, for `oauth --version` answered without commander (prebuilt-version.ts):
// its own module, so package.json is parsed only by a run that prints it.
import pkg from '../../package.json' with { type: 'json' };

export const version: string = pkg.version;
