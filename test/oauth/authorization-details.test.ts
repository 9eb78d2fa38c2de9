// RFC 9396 in process: the authorization_details value checked element by element (exit 2 naming
// the position), the metadata objection for an unlisted type, and what a token response grants.
import { describe, expect, it } from 'vitest';
import { objectionsTo } from '../../src/client/server.js';
import { CliError } from '../../src/errors.js';
import { grantFindings, parseAuthorizationDetails } from '../../src/oauth/authorization-details.js';

function refusal(text: string): CliError {
  try {
    parseAuthorizationDetails(text, '--authorization-details');
  } catch (err) {
    if (err instanceof CliError) return err;
    throw err;
  }
  throw new Error(`accepted: ${text}`);
}

describe('parseAuthorizationDetails (RFC 9396 §2)', () => {
  it('takes an array of objects with a string type, common fields typed', () => {
    expect(
      parseAuthorizationDetails(
        '[{"type":"account_information","actions":["read"],"locations":["https://a"]},{"type":"x","identifier":"i"}]',
        'x',
      ),
    ).toHaveLength(2);
  });

  it.each([
    ['{"type":"a"}', /is an object, not a JSON array/],
    ['"a"', /is a string, not a JSON array/],
    ['[]', /is an empty array/],
    ['[{"type":"a"}, 3]', /element \[1\] of --authorization-details is a number, not an object/],
    ['[{"type":"a"}, [1]]', /element \[1\] .* is an array, not an object/],
    ['[{"type":"a"}, {"actions":["read"]}]', /element \[1\] .* has no "type"/],
    ['[{"type":7}]', /element \[0\] .* has a "type" that is a number/],
    ['[{"type":""}]', /element \[0\] .* has a "type" that is empty/],
    [
      '[{"type":"a","actions":"read"}]',
      /element \[0\] .* "actions" that is not an array of strings/,
    ],
    ['[{"type":"a","identifier":1}]', /element \[0\] .* "identifier" that is not a string/],
    ['[{"type":', /is not JSON/],
  ])('%s is exit 2: %s', (text, message) => {
    const err = refusal(text);
    expect(err.exitCode).toBe(2);
    expect(err.code).toBe('authorization_details_invalid');
    expect(err.message).toMatch(message);
    expect(err.hint).toBeTruthy();
  });

  it('an object gets the hint to wrap it in [ ]', () => {
    expect(refusal('{"type":"a"}').hint).toMatch(/wrap the object in \[ \]/);
  });
});

describe('objectionsTo: authorization_details_types_supported (RFC 9396 §10)', () => {
  const metadata = {
    issuer: 'https://as',
    authorization_details_types_supported: ['payment_initiation'],
  };

  it('a listed type says nothing; an unlisted one is named with the list', () => {
    expect(objectionsTo(metadata, { authorizationDetailsTypes: ['payment_initiation'] })).toEqual(
      [],
    );
    const [finding] = objectionsTo(metadata, {
      authorizationDetailsTypes: ['payment_initiation', 'wire_transfer'],
    });
    expect(finding).toMatchObject({
      level: 'warning',
      code: 'authorization_details_type_not_supported',
      ref: 'RFC 9396 §10',
    });
    expect(finding?.message).toContain('"wire_transfer"');
    expect(finding?.message).toContain('it lists payment_initiation');
  });

  it('metadata without the list: RAR may not be supported at all', () => {
    const [finding] = objectionsTo(
      { issuer: 'https://as' },
      { authorizationDetailsTypes: ['payment_initiation'] },
    );
    expect(finding?.message).toMatch(/has no authorization_details_types_supported/);
  });
});

describe('grantFindings (RFC 9396 §7)', () => {
  const asked = [{ type: 'a' }, { type: 'b' }];
  it('nothing when granted as asked, or when none asked and none granted', () => {
    expect(grantFindings(asked, { authorization_details: asked })).toEqual([]);
    expect(grantFindings(undefined, {})).toEqual([]);
  });
  it('asked but not returned; a type left out; a malformed member', () => {
    expect(grantFindings(asked, {})[0]?.code).toBe('authorization_details_not_returned');
    const reduced = grantFindings(asked, { authorization_details: [{ type: 'a' }] });
    expect(reduced[0]).toMatchObject({ code: 'authorization_details_reduced' });
    expect(reduced[0]?.message).toContain('type b that was asked for');
    expect(grantFindings(undefined, { authorization_details: [{ kind: 'a' }] })[0]?.code).toBe(
      'authorization_details_malformed',
    );
  });
});
