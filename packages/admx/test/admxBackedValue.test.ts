import { describe, expect, it } from 'vitest';
import {
  admxBackedValuesEqual,
  AdmxValueError,
  decodeAdmxBackedValue,
  encodeAdmxBackedValue,
  parseAdmx,
} from '@winmdm/admx';
import type { AdmxBackedValue, AdmxPolicy } from '@winmdm/admx';
import { fixture, fixtureNames, syncMLItems } from './fixtures.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

const contoso = parseAdmx(fixture('admx-contoso-sample-learn.admx'));
const firefox = parseAdmx(fixture('firefox-cookies-sample.admx'));
const policyOf = (name: string): AdmxPolicy =>
  [...contoso.policies, ...firefox.policies].find((p) => p.name === name) as AdmxPolicy;

const referenceFiles = fixtureNames(/^admx-(backed|ingested)-.*\.xml$/);

describe('reference payloads: decode → encode → decode is stable', () => {
  it('covers every admx-backed-*.xml and admx-ingested-*.xml example', () => {
    expect(referenceFiles).toHaveLength(11);
  });

  for (const name of referenceFiles) {
    it(name, () => {
      const items = syncMLItems(fixture(name));
      expect(items.length).toBeGreaterThan(0);
      for (const item of items) {
        if (item.command === 'Delete') {
          // "Not configured" is a Delete of the node: there is no payload to decode.
          expect(item.data).toBeUndefined();
          continue;
        }
        const payload = item.data ?? '';
        const decoded = decodeAdmxBackedValue(payload);
        const encoded = encodeAdmxBackedValue(decoded);
        const again = decodeAdmxBackedValue(encoded);
        expect(again).toEqual(decoded);
        expect(admxBackedValuesEqual(again, decoded)).toBe(true);
        expect(admxBackedValuesEqual(payload, encoded)).toBe(true);
        // Canonical: encoding the re-decoded value gives the same bytes.
        expect(encodeAdmxBackedValue(again)).toBe(encoded);
      }
    });
  }
});

describe('decodeAdmxBackedValue on the published spellings', () => {
  const payload = (name: string): string => syncMLItems(fixture(name))[0]?.data ?? '';

  it('decodes the AppV CDATA and the entity-escaped forms to the same shape', () => {
    const cdata = decodeAdmxBackedValue(payload('admx-backed-appv-enable-cdata-learn.xml'));
    const escaped = decodeAdmxBackedValue(payload('admx-backed-appv-enable-entity-escaped-learn-old.xml'));
    expect(cdata.state).toBe('enabled');
    expect(Object.keys(cdata.data ?? {})).toHaveLength(10);
    expect(cdata.data?.['Global_Refresh_Interval_Prompt']).toBe('15');
    expect(Object.keys(escaped.data ?? {})).toEqual(Object.keys(cdata.data ?? {}));
    expect(escaped.data?.['Publishing_Server2_Name_Prompt']).toBe('snot');
    expect(decodeAdmxBackedValue(payload('admx-backed-appv-disable-learn.xml'))).toEqual({ state: 'disabled' });
  });

  it('keeps a U+F000-joined list as one string without a policy (it cannot know it is a list)', () => {
    expect(decodeAdmxBackedValue(payload('admx-backed-multitext-learn.xml'))).toEqual({
      state: 'enabled',
      data: {
        Virtualization_JITVAllowList_Prompt:
          'C:\\QuickPatch\\TEST\\snot.exe\uF000C:\\QuickPatch\\TEST\\foo.exe\uF000C:\\QuickPatch\\TEST\\bar.exe',
      },
    });
  });

  it('reads <Enabled/> and <Data> of the boolean-and-list and list examples', () => {
    expect(decodeAdmxBackedValue(payload('admx-backed-boolean-and-list-learn.xml'))).toEqual({
      state: 'enabled',
      data: {
        DeviceInstall_Classes_Deny_Retroactive: 'true',
        DeviceInstall_Classes_Deny_List: '1\uF000deviceId1\uF0002\uF000deviceId2',
      },
    });
    expect(decodeAdmxBackedValue(payload('admx-backed-list-learn.xml'))).toEqual({
      state: 'enabled',
      data: { SecondaryHomePagesList: 'http://name1\uF000http://name1\uF000http://name2\uF000http://name2' },
    });
  });

  it('types the Contoso example by its policy and finds it valid data', () => {
    const policy = policyOf('L_PolicyConfigurationMode');
    const expected = {
      state: 'enabled',
      data: { L_ServerAddressInternal_VALUE: 'TextValue1', L_ServerAddressExternal_VALUE: 'TextValue2' },
    };
    for (const name of ['admx-ingested-app-policy-enable-cdata-learn.xml', 'admx-ingested-app-policy-enable-entity-escaped-learn-old.xml']) {
      expect(decodeAdmxBackedValue(payload(name), policy)).toEqual(expected);
    }
    expect(encodeAdmxBackedValue(decodeAdmxBackedValue(payload('admx-ingested-app-policy-enable-cdata-learn.xml'), policy), policy)).toBe(
      '<enabled/><data id="L_ServerAddressExternal_VALUE" value="TextValue2"/><data id="L_ServerAddressInternal_VALUE" value="TextValue1"/>',
    );
  });

  it('splits lists and types values when given the policy', () => {
    const settings = policyOf('Cookies_Settings');
    const decoded = decodeAdmxBackedValue(
      `<Enabled/>
       <DATA ID='cookies_hosts' VALUE='a.example&#xF000;b.example'/>
       <data id="Cookies_LifetimeDays" value="030"></data>
       <data id="Cookies_QuotaBytes" value="10000000000"/>
       <data id="Cookies_Locked" value="1"/>
       <data id="Cookies_Partition" value="2"/>
       <data id="Cookies_Banner" value="say &quot;hi&quot; &amp; go"/>
       <data id="Cookies_Block" value=""/>`,
      settings,
    );
    expect(decoded).toEqual({
      state: 'enabled',
      data: {
        Cookies_Hosts: ['a.example', 'b.example'],
        Cookies_LifetimeDays: 30,
        Cookies_QuotaBytes: 10_000_000_000,
        Cookies_Locked: true,
        Cookies_Partition: 2,
        Cookies_Banner: 'say "hi" & go',
        Cookies_Block: [],
      },
    });
    // A value that does not fit its element stays the string the payload holds.
    expect(decodeAdmxBackedValue('<enabled/><data id="Cookies_LifetimeDays" value="soon"/>', settings)).toEqual({
      state: 'enabled',
      data: { Cookies_LifetimeDays: 'soon' },
    });
  });

  it('reads attribute whitespace the way an XML parser does', () => {
    expect(decodeAdmxBackedValue('<enabled/><data id="x" value="a\r\n\tb&#10;c"/>')).toEqual({
      state: 'enabled',
      data: { x: 'a  b\nc' },
    });
  });
});

describe('decodeAdmxBackedValue rejects what is not the grammar', () => {
  const cases: [string, string][] = [
    ['', 'ADMX-backed value is empty; expected <enabled/> or <disabled/>'],
    ['<data id="a" value="1"/>', 'ADMX-backed value has no <enabled/> or <disabled/> tag'],
    ['<enabled/><disabled/>', 'ADMX-backed value: both <enabled/> and <disabled/> are present'],
    ['<enabled/><Enabled/>', 'ADMX-backed value: <enabled/> at offset 10 appears twice'],
    ['<enabled/><foo/>', 'ADMX-backed value: unknown tag <foo>; expected <enabled/>, <disabled/> or <data/> at offset 10 ("<foo/>")'],
    ['<enabled/>text', 'ADMX-backed value: expected "<" at offset 10 ("text")'],
    ['<enabled/><data id="a"/>', 'ADMX-backed value: <data> at offset 10 must have exactly the attributes id and value'],
    ['<enabled/><data id="a" value="1" name="x"/>', 'ADMX-backed value: <data> at offset 10 must have exactly the attributes id and value (found name)'],
    ['<enabled/><data id="a" value="1"/><data id="A" value="2"/>', 'ADMX-backed value: data id "A" at offset 34 appears twice'],
    ['<enabled/><data id="a" value="x&y"/>', 'ADMX-backed value: unterminated entity reference "&y" at offset 30 ("x&y\\"/>")'],
    ['<enabled/><data id="a" value="&nbsp;"/>', 'ADMX-backed value: unknown entity "&nbsp;" at offset 30 ("&nbsp;\\"/>")'],
    ['<enabled/><data id="a" value="&#0;"/>', 'ADMX-backed value: character reference "&#0;" names a character XML does not allow at offset 30 ("&#0;\\"/>")'],
    ['<enabled/><data id="a" value="a<b"/>', 'ADMX-backed value: "<" is not allowed in an attribute value (write &lt;) at offset 31 ("<b\\"/>")'],
    ['<enabled/><data id="a" value="1>', 'ADMX-backed value: unterminated attribute value at offset 29 ("\\"1>")'],
    ['<enabled/><data id=a value="1"/>', 'ADMX-backed value: expected a quoted attribute value at offset 19 ("a value=\\"1\\"/>")'],
    ['<enabled x="1"/>', 'ADMX-backed value: <enabled/> at offset 0 takes no attributes'],
    ['<enabled></disabled>', 'ADMX-backed value: closing tag does not match <enabled> at offset 9 ("</disabled>")'],
    ['<enabled', 'ADMX-backed value: expected whitespace, "/>" or ">" at offset 8 ("")'],
  ];
  for (const [payload, message] of cases) {
    it(JSON.stringify(payload), () => {
      const err = thrown(() => decodeAdmxBackedValue(payload));
      expect(err).toBeInstanceOf(AdmxValueError);
      expect(err).toMatchObject({ code: 'ERR_ADMX_VALUE', message });
    });
  }
});

describe('encodeAdmxBackedValue', () => {
  it('writes the canonical form: sorted ids, escaped values, &#xF000; between list items', () => {
    expect(
      encodeAdmxBackedValue({
        state: 'enabled',
        data: { b: ['x', 'y&z'], A: 15, c: true, d: 'say "hi" <now>\n' },
      }),
    ).toBe(
      '<enabled/><data id="A" value="15"/><data id="b" value="x&#xF000;y&amp;z"/><data id="c" value="true"/><data id="d" value="say &quot;hi&quot; &lt;now&gt;&#10;"/>',
    );
    expect(encodeAdmxBackedValue({ state: 'disabled', data: { a: 'ignored' } })).toBe('<disabled/>');
    expect(encodeAdmxBackedValue({ state: 'enabled' })).toBe('<enabled/>');
  });

  it('takes the definition\'s spelling of ids and values when given the policy', () => {
    const settings = policyOf('Cookies_Settings');
    const loose: AdmxBackedValue = {
      state: 'enabled',
      data: { cookies_lifetimedays: '030', COOKIES_LOCKED: '1', Cookies_Hosts: 'a\uF000b', Cookies_Partition: '02' },
    };
    const exact: AdmxBackedValue = {
      state: 'enabled',
      data: { Cookies_Partition: 2, Cookies_Hosts: ['a', 'b'], Cookies_Locked: true, Cookies_LifetimeDays: 30 },
    };
    expect(encodeAdmxBackedValue(loose, settings)).toBe(encodeAdmxBackedValue(exact, settings));
    expect(encodeAdmxBackedValue(exact, settings)).toBe(
      '<enabled/><data id="Cookies_Hosts" value="a&#xF000;b"/><data id="Cookies_LifetimeDays" value="30"/><data id="Cookies_Locked" value="true"/><data id="Cookies_Partition" value="2"/>',
    );
  });

  it('throws ERR_ADMX_VALUE for what cannot be written', () => {
    const cases: [unknown, string][] = [
      [{ state: 'on' }, 'ADMX-backed value state must be "enabled" or "disabled", got "on"'],
      [{ state: 'enabled', data: [] }, 'data must be an object mapping element ids to values, got a list'],
      [{ state: 'enabled', data: { a: { b: 1 } } }, 'data "a" must be a string, number, boolean or list of strings, got object'],
      [{ state: 'enabled', data: { a: [1] } }, 'data "a" must be a string, number, boolean or list of strings, got a list'],
      [{ state: 'enabled', data: { a: Number.NaN } }, 'data "a" is NaN, which has no payload spelling'],
      [{ state: 'enabled', data: { a: 'bell\u0007' } }, 'data "a" holds U+0007 at index 4, which XML cannot carry'],
      [null, 'ADMX-backed value must be an object with a state, got null'],
    ];
    for (const [value, message] of cases) {
      const err = thrown(() => encodeAdmxBackedValue(value as AdmxBackedValue));
      expect(err).toBeInstanceOf(AdmxValueError);
      expect(err).toMatchObject({ code: 'ERR_ADMX_VALUE', message });
    }
  });
});

describe('admxBackedValuesEqual', () => {
  it('ignores tag case, order, whitespace, escaping and number-vs-string spelling', () => {
    const a = '<enabled/><data id="x" value="15"/><data id="y" value="a&#xF000;b"/>';
    const b = `<Enabled/>\n  <Data value='a\uF000b' id='Y'/>\n  <DATA id="x" value="&#49;5"/>`;
    expect(admxBackedValuesEqual(a, b)).toBe(true);
    expect(admxBackedValuesEqual(a, { state: 'enabled', data: { x: 15, y: ['a', 'b'] } })).toBe(true);
    expect(admxBackedValuesEqual(a, { state: 'enabled', data: { x: 16, y: ['a', 'b'] } })).toBe(false);
    expect(admxBackedValuesEqual(a, { state: 'enabled', data: { x: 15 } })).toBe(false);
    expect(admxBackedValuesEqual(a, { state: 'disabled' })).toBe(false);
    expect(admxBackedValuesEqual('<disabled/>', { state: 'disabled', data: { x: 1 } })).toBe(true);
  });

  it('compares as the element types values when given the policy', () => {
    const settings = policyOf('Cookies_Settings');
    const device = '<Enabled/><Data id="cookies_lifetimedays" value="030"/><Data id="Cookies_Locked" value="1"/>';
    const desired: AdmxBackedValue = { state: 'enabled', data: { Cookies_Locked: true, Cookies_LifetimeDays: 30 } };
    expect(admxBackedValuesEqual(device, desired, settings)).toBe(true);
    // Without the policy, "030" is not 30 and "1" is not true.
    expect(admxBackedValuesEqual(device, desired)).toBe(false);
  });

  it('treats a payload that does not decode as equal only to the same text', () => {
    expect(admxBackedValuesEqual('<garbled', '<garbled')).toBe(true);
    expect(admxBackedValuesEqual('<garbled', '<enabled/>')).toBe(false);
    expect(admxBackedValuesEqual('<garbled', { state: 'enabled' })).toBe(false);
  });
});
