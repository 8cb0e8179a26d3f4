import { describe, expect, it } from 'vitest';
import { encodeAdmxBackedValue, parseAdmx, validateAdmxBackedValue } from '@winmdm/admx';
import type { AdmxBackedValue, AdmxPolicy } from '@winmdm/admx';
import { fixture, syncMLItems } from './fixtures.js';

const firefox = parseAdmx(fixture('firefox-cookies-sample.admx'));
const contoso = parseAdmx(fixture('admx-contoso-sample-learn.admx'));
const policy = (name: string): AdmxPolicy =>
  [...firefox.policies, ...contoso.policies].find((p) => p.name === name) as AdmxPolicy;

const settings = policy('Cookies_Settings');
/** A valid value of Cookies_Settings: each test breaks one thing of it. */
const valid = { Cookies_Banner: 'Cookies ahead', Cookies_LifetimeDays: 30 };

function issuesOf(data: Record<string, unknown>, of: AdmxPolicy = settings) {
  return validateAdmxBackedValue({ state: 'enabled', data } as AdmxBackedValue, of).issues;
}

describe('validateAdmxBackedValue accepts valid values and returns them canonical', () => {
  it('types, renames and sorts a loose value of every element type', () => {
    const result = validateAdmxBackedValue(
      {
        state: 'enabled',
        data: {
          cookies_block: 'a.example\uF000b.example',
          Cookies_Partition: '2',
          Cookies_Locked: 'TRUE',
          Cookies_Retries: 9999,
          Cookies_QuotaBytes: '10000000000',
          COOKIES_LIFETIMEDAYS: '+030',
          Cookies_Hosts: ['x.example'],
          Cookies_Banner: 42,
        },
      },
      settings,
    );
    expect(result).toEqual({
      issues: [],
      value: {
        state: 'enabled',
        data: {
          Cookies_Banner: '42',
          Cookies_Block: ['a.example', 'b.example'],
          Cookies_Hosts: ['x.example'],
          Cookies_LifetimeDays: 30,
          Cookies_Locked: true,
          Cookies_Partition: 2,
          Cookies_QuotaBytes: 10_000_000_000,
          Cookies_Retries: 9999,
        },
      },
    });
    expect(Object.keys(result.value?.data ?? {})).toEqual([
      'Cookies_Banner',
      'Cookies_Block',
      'Cookies_Hosts',
      'Cookies_LifetimeDays',
      'Cookies_Locked',
      'Cookies_Partition',
      'Cookies_QuotaBytes',
      'Cookies_Retries',
    ]);
  });

  it('validates the payload string the same way as { state, data }', () => {
    const asData = validateAdmxBackedValue({ state: 'enabled', data: { Cookies_Behavior: 'reject-tracker' } }, policy('Cookies_Behavior'));
    const asString = validateAdmxBackedValue('<Enabled/><Data id="Cookies_Behavior" value="reject-tracker"/>', policy('Cookies_Behavior'));
    const asCdata = validateAdmxBackedValue('<![CDATA[<enabled/><data id="cookies_behavior" value="reject-tracker"/>]]>', policy('Cookies_Behavior'));
    const asEscaped = validateAdmxBackedValue(
      '&lt;enabled/&gt;&lt;data id=&quot;Cookies_Behavior&quot; value=&quot;reject-tracker&quot;/&gt;',
      policy('Cookies_Behavior'),
    );
    const expected = { issues: [], value: { state: 'enabled', data: { Cookies_Behavior: 'reject-tracker' } } };
    expect(asData).toEqual(expected);
    expect(asString).toEqual(expected);
    expect(asCdata).toEqual(expected);
    expect(asEscaped).toEqual(expected);
  });

  it('accepts the Learn example for the ingested Contoso policy', () => {
    const [item] = syncMLItems(fixture('admx-ingested-app-policy-enable-cdata-learn.xml'));
    const result = validateAdmxBackedValue(item?.data ?? '', policy('L_PolicyConfigurationMode'));
    expect(result.issues).toEqual([]);
    expect(encodeAdmxBackedValue(result.value as AdmxBackedValue)).toBe(
      '<enabled/><data id="L_ServerAddressExternal_VALUE" value="TextValue2"/><data id="L_ServerAddressInternal_VALUE" value="TextValue1"/>',
    );
  });

  it('accepts disabled without checking data, and enabled without elements', () => {
    expect(validateAdmxBackedValue({ state: 'disabled', data: { nonsense: 1 } }, settings)).toEqual({
      issues: [],
      value: { state: 'disabled' },
    });
    expect(validateAdmxBackedValue('<enabled/>', policy('Cookies_Default'))).toEqual({ issues: [], value: { state: 'enabled' } });
  });
});

describe('validateAdmxBackedValue reports each problem as an issue with path and message', () => {
  it('unknown-element', () => {
    expect(issuesOf({ ...valid, Cookies_Colour: 'blue' })).toEqual([
      {
        code: 'unknown-element',
        path: ['data', 'Cookies_Colour'],
        message:
          'policy "Cookies_Settings" has no element "Cookies_Colour"; its elements are "Cookies_Banner", "Cookies_Hosts", "Cookies_LifetimeDays", "Cookies_QuotaBytes", "Cookies_Retries", "Cookies_Locked", "Cookies_Partition", "Cookies_Block"',
      },
    ]);
    expect(issuesOf({ x: '1' }, policy('Cookies_Default'))).toEqual([
      { code: 'unknown-element', path: ['data', 'x'], message: 'policy "Cookies_Default" has no element "x" (it has no elements)' },
    ]);
  });

  it('duplicate-element', () => {
    expect(issuesOf({ ...valid, cookies_banner: 'again' })).toEqual([
      { code: 'duplicate-element', path: ['data', 'cookies_banner'], message: '"cookies_banner" and "Cookies_Banner" both name element "Cookies_Banner"' },
    ]);
  });

  it('enum-value-not-allowed, for string and decimal items', () => {
    expect(issuesOf({ Cookies_Behavior: 'Accept' }, policy('Cookies_Behavior'))).toEqual([
      {
        code: 'enum-value-not-allowed',
        path: ['data', 'Cookies_Behavior'],
        message: 'enum element "Cookies_Behavior": "Accept" is not one of the allowed values "accept", "reject-foreign", "reject", "reject-tracker"',
      },
    ]);
    // An item's position is not its value: index 1 is "Strict" (value 2), and 1 is refused.
    expect(issuesOf({ ...valid, Cookies_Partition: 1 })).toEqual([
      {
        code: 'enum-value-not-allowed',
        path: ['data', 'Cookies_Partition'],
        message: 'enum element "Cookies_Partition": "1" is not one of the allowed values "0", "2"',
      },
    ]);
  });

  it('decimal-out-of-range, with stated bounds and with the ADMX defaults 0..9999', () => {
    expect(issuesOf({ ...valid, Cookies_LifetimeDays: 366 })).toEqual([
      { code: 'decimal-out-of-range', path: ['data', 'Cookies_LifetimeDays'], message: '366 is outside 1..365 allowed for "Cookies_LifetimeDays"' },
    ]);
    expect(issuesOf({ ...valid, Cookies_Retries: '10000' })).toEqual([
      { code: 'decimal-out-of-range', path: ['data', 'Cookies_Retries'], message: '10000 is outside 0..9999 allowed for "Cookies_Retries"' },
    ]);
    expect(issuesOf({ ...valid, Cookies_Retries: -1 })).toEqual([
      { code: 'decimal-out-of-range', path: ['data', 'Cookies_Retries'], message: '-1 is outside 0..9999 allowed for "Cookies_Retries"' },
    ]);
    expect(issuesOf({ ...valid, Cookies_QuotaBytes: '10000000001' })).toEqual([
      { code: 'decimal-out-of-range', path: ['data', 'Cookies_QuotaBytes'], message: '10000000001 is outside 1024..10000000000 allowed for "Cookies_QuotaBytes"' },
    ]);
  });

  it('required-element-missing, when absent and when empty', () => {
    expect(issuesOf({ Cookies_Banner: 'hi' })).toEqual([
      { code: 'required-element-missing', path: ['data', 'Cookies_LifetimeDays'], message: 'policy "Cookies_Settings" requires element "Cookies_LifetimeDays" when enabled' },
    ]);
    expect(issuesOf({ ...valid, Cookies_Banner: '' })).toEqual([
      { code: 'required-element-missing', path: ['data', 'Cookies_Banner'], message: '"Cookies_Banner" is required and must not be empty' },
    ]);
    const contosoMode = validateAdmxBackedValue('<enabled/><data id="L_ServerAddressInternal_VALUE" value="x"/>', policy('L_PolicyConfigurationMode'));
    expect(contosoMode).toEqual({
      issues: [
        {
          code: 'required-element-missing',
          path: ['data', 'L_ServerAddressExternal_VALUE'],
          message: 'policy "L_PolicyConfigurationMode" requires element "L_ServerAddressExternal_VALUE" when enabled',
        },
      ],
    });
  });

  it('text-too-long, for text (maxLength 32) and each string of a multiText (maxLength 64)', () => {
    expect(issuesOf({ ...valid, Cookies_Banner: 'x'.repeat(33) })).toEqual([
      { code: 'text-too-long', path: ['data', 'Cookies_Banner'], message: 'is 33 characters long; "Cookies_Banner" allows at most 32' },
    ]);
    expect(issuesOf({ ...valid, Cookies_Hosts: ['ok', 'h'.repeat(65)] })).toEqual([
      { code: 'text-too-long', path: ['data', 'Cookies_Hosts', 1], message: 'is 65 characters long; each string of "Cookies_Hosts" allows at most 64' },
    ]);
    // Without maxLength in the file, ADMX's default of 1023 applies.
    const contosoText = policy('L_PolicyConfiguredServerCheckValues');
    expect(issuesOf({ L_ConfiguredServerCheckValues_VALUE: 'v'.repeat(1023) }, contosoText)).toEqual([]);
    expect(issuesOf({ L_ConfiguredServerCheckValues_VALUE: 'v'.repeat(1024) }, contosoText)).toEqual([
      { code: 'text-too-long', path: ['data', 'L_ConfiguredServerCheckValues_VALUE'], message: 'is 1024 characters long; "L_ConfiguredServerCheckValues_VALUE" allows at most 1023' },
    ]);
  });

  it('too-many-strings and invalid-list-item', () => {
    expect(issuesOf({ ...valid, Cookies_Hosts: ['a', 'b', 'c', 'd'] })).toEqual([
      { code: 'too-many-strings', path: ['data', 'Cookies_Hosts'], message: 'has 4 strings; "Cookies_Hosts" allows at most 3' },
    ]);
    expect(issuesOf({ ...valid, Cookies_Block: ['a', '', 'b\uF000c'] })).toEqual([
      { code: 'invalid-list-item', path: ['data', 'Cookies_Block', 1], message: 'is empty; a multi-string value cannot hold an empty string' },
      { code: 'invalid-list-item', path: ['data', 'Cookies_Block', 2], message: 'holds U+F000, the separator between strings' },
    ]);
  });

  it('invalid-character', () => {
    expect(issuesOf({ ...valid, Cookies_Banner: 'nul\u0000' })).toEqual([
      { code: 'invalid-character', path: ['data', 'Cookies_Banner'], message: 'holds U+0000 at index 3, which XML (and so the payload) cannot carry' },
    ]);
  });

  it('wrong-type, for each element kind and for the value itself', () => {
    expect(
      issuesOf({ ...valid, Cookies_Banner: ['a'], Cookies_LifetimeDays: 1.5, Cookies_Locked: 'yes', Cookies_Hosts: 7, Cookies_Partition: true }),
    ).toEqual([
      { code: 'wrong-type', path: ['data', 'Cookies_Banner'], message: 'text element "Cookies_Banner": expected a string, got a list' },
      { code: 'wrong-type', path: ['data', 'Cookies_LifetimeDays'], message: 'decimal element "Cookies_LifetimeDays": expected an integer, got number 1.5' },
      { code: 'wrong-type', path: ['data', 'Cookies_Locked'], message: 'boolean element "Cookies_Locked": expected true or false, got the string "yes"' },
      { code: 'wrong-type', path: ['data', 'Cookies_Hosts'], message: 'multiText element "Cookies_Hosts": expected a list of strings (or one string joined with U+F000), got number 7' },
      { code: 'wrong-type', path: ['data', 'Cookies_Partition'], message: "enum element \"Cookies_Partition\": expected one of the enum's item values, got boolean true" },
      // The required Cookies_LifetimeDays was given (with a wrong type): it is not also reported missing.
    ]);
    expect(validateAdmxBackedValue({ state: 'Enabled' } as unknown as AdmxBackedValue, settings)).toEqual({
      issues: [{ code: 'wrong-type', path: ['state'], message: 'state must be "enabled" or "disabled", got "Enabled"' }],
    });
    expect(validateAdmxBackedValue({ state: 'enabled', data: 'x' } as unknown as AdmxBackedValue, settings)).toEqual({
      issues: [{ code: 'wrong-type', path: ['data'], message: 'data must be an object mapping element ids to values' }],
    });
  });

  it('invalid-payload, for a string that does not decode and for a non-value', () => {
    expect(validateAdmxBackedValue('<enabled/><data id="Cookies_Banner"/>', settings)).toEqual({
      issues: [
        {
          code: 'invalid-payload',
          path: [],
          message: 'ADMX-backed value: <data> at offset 10 must have exactly the attributes id and value',
        },
      ],
    });
    expect(validateAdmxBackedValue(42 as unknown as AdmxBackedValue, settings)).toEqual({
      issues: [{ code: 'invalid-payload', path: [], message: 'expected a payload string or { state, data }, got number' }],
    });
  });
});
