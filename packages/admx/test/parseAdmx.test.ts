import { describe, expect, it } from 'vitest';
import { AdmxDoctypeError, AdmxError, AdmxParseError, AdmxSizeError, parseAdmx } from '@winmdm/admx';
import type { AdmxPolicy } from '@winmdm/admx';
import { fixture, syncMLItems } from './fixtures.js';

function policyNamed(policies: AdmxPolicy[], name: string): AdmxPolicy {
  const policy = policies.find((p) => p.name === name);
  if (policy === undefined) throw new Error(`no policy ${name}`);
  return policy;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('parseAdmx on the Contoso sample (no xmlns, no policyNamespaces)', () => {
  const def = parseAdmx(fixture('admx-contoso-sample-learn.admx'));

  it('reads the root attributes and has no namespaces', () => {
    expect(def.revision).toBe('1.0');
    expect(def.schemaVersion).toBe('1.0');
    expect(def.target).toBeUndefined();
    expect('target' in def).toBe(false);
    expect(def.using).toEqual([]);
    expect(def.supportedOnDefinitions).toEqual([]);
  });

  it('reads the categories and their parent chain', () => {
    expect(def.categories).toEqual([
      { name: 'ParentCategoryArea' },
      { name: 'Category1', parentCategory: { name: 'ParentCategoryArea' } },
      { name: 'Category2', parentCategory: { name: 'ParentCategoryArea' } },
      { name: 'Category3', parentCategory: { name: 'Category2' } },
    ]);
  });

  it('reads all eight policies with their class, category and registry location', () => {
    // The brief counted seven; the published sample defines eight.
    expect(def.policies.map((p) => [p.name, p.class, p.parentCategory?.name, p.valueName])).toEqual([
      ['L_PolicyConfigurationMode', 'Machine', 'Category1', 'configurationmode'],
      ['L_PolicyEnableSIPHighSecurityMode', 'Machine', 'Category1', 'enablesiphighsecuritymode'],
      ['L_PolicySipCompression', 'Machine', 'Category1', undefined],
      ['L_PolicyPreventRun', 'Machine', 'Category1', 'preventrun'],
      ['L_PolicyConfiguredServerCheckValues', 'Machine', 'Category2', undefined],
      ['L_PolicySipCompression_1', 'User', 'Category2', undefined],
      ['L_PolicyPreventRun_1', 'User', 'Category3', 'preventrun'],
      ['L_PolicyGalDownloadInitialDelay_1', 'User', 'Category3', undefined],
    ]);
    expect(def.policies.every((p) => p.key === 'software\\policies\\contoso\\companyApp')).toBe(true);
  });

  it('keeps text references, supportedOn and enabled/disabled values', () => {
    const policy = policyNamed(def.policies, 'L_PolicyConfigurationMode');
    expect(policy).toEqual({
      name: 'L_PolicyConfigurationMode',
      class: 'Machine',
      displayName: '$(string.L_PolicyConfigurationMode)',
      explainText: '$(string.L_ExplainText_ConfigurationMode)',
      presentation: '$(presentation.L_PolicyConfigurationMode)',
      key: 'software\\policies\\contoso\\companyApp',
      valueName: 'configurationmode',
      parentCategory: { name: 'Category1' },
      supportedOn: { prefix: 'windows', name: 'SUPPORTED_Windows7' },
      enabledValue: { type: 'decimal', value: 1 },
      disabledValue: { type: 'decimal', value: 0 },
      elements: [
        {
          type: 'text',
          id: 'L_ServerAddressInternal_VALUE',
          key: 'software\\policies\\contoso\\companyApp',
          valueName: 'serveraddressinternal',
          required: true,
        },
        {
          type: 'text',
          id: 'L_ServerAddressExternal_VALUE',
          key: 'software\\policies\\contoso\\companyApp',
          valueName: 'serveraddressexternal',
          required: true,
        },
      ],
    });
    expect(policyNamed(def.policies, 'L_PolicyPreventRun').elements).toEqual([]);
  });

  it('reads enum items with their decimal values', () => {
    const [element] = policyNamed(def.policies, 'L_PolicySipCompression').elements;
    expect(element).toEqual({
      type: 'enum',
      id: 'L_PolicySipCompression',
      valueName: 'sipcompression',
      required: false,
      items: [0, 1, 2, 3].map((n) => ({
        displayName: `$(string.L_SipCompressionVal${n})`,
        value: { type: 'decimal', value: n },
      })),
    });
  });

  it('reads a decimal with minValue and required, and leaves the unstated maxValue absent', () => {
    const [element] = policyNamed(def.policies, 'L_PolicyGalDownloadInitialDelay_1').elements;
    expect(element).toEqual({
      type: 'decimal',
      id: 'L_GalDownloadInitialDelay_VALUE',
      valueName: 'galdownloadinitialdelay',
      required: true,
      minValue: 0,
    });
  });

  it('equals the definition carried by the ADMXInstall Add of the Learn example', () => {
    const [add] = syncMLItems(fixture('admxinstall-contoso-add-learn.xml'));
    expect(add?.command).toBe('Add');
    expect(add?.data).toContain('<policyDefinitions');
    expect(parseAdmx(add?.data ?? '')).toEqual(def);
  });
});

describe('parseAdmx on Mozilla-layout files', () => {
  it('reads the namespace that admx-mozilla.admx declares', () => {
    const def = parseAdmx(fixture('admx-mozilla.admx'));
    expect(def.target).toEqual({ prefix: 'Mozilla', namespace: 'Mozilla.Policies' });
    expect(def.using).toEqual([]);
    expect(def.minRequiredRevision).toBe('4.8');
    expect(def.categories).toEqual([{ name: 'Cat_Mozilla', displayName: '$(string.mozilla)' }]);
    expect(def.policies).toEqual([]);
  });

  it('reads our Firefox sample: target, using import, foreign parent and every element type', () => {
    const def = parseAdmx(fixture('firefox-cookies-sample.admx'));
    expect(def.target).toEqual({ prefix: 'firefox', namespace: 'Mozilla.Policies.Firefox' });
    expect(def.using).toEqual([{ prefix: 'Mozilla', namespace: 'Mozilla.Policies' }]);
    expect(def.supportedOnDefinitions).toEqual([{ name: 'SUPPORTED_FF60', displayName: '$(string.SUPPORTED_FF60)' }]);
    expect(def.categories).toEqual([
      { name: 'firefox', displayName: '$(string.firefox)', parentCategory: { prefix: 'Mozilla', name: 'Cat_Mozilla' } },
      { name: 'Cookies', displayName: '$(string.Cookies_group)', parentCategory: { name: 'firefox' } },
    ]);
    expect(policyNamed(def.policies, 'Cookies_Allow').parentCategory).toEqual({ prefix: 'firefox', name: 'Cookies' });
    expect(policyNamed(def.policies, 'Cookies_UserPrompt').disabledValue).toEqual({ type: 'delete' });

    const settings = policyNamed(def.policies, 'Cookies_Settings');
    expect(settings.class).toBe('Both');
    expect(settings.elements).toEqual([
      { type: 'text', id: 'Cookies_Banner', valueName: 'Banner', required: true, maxLength: 32 },
      { type: 'multiText', id: 'Cookies_Hosts', valueName: 'Hosts', required: false, maxLength: 64, maxStrings: 3 },
      { type: 'decimal', id: 'Cookies_LifetimeDays', valueName: 'LifetimeDays', required: true, minValue: 1, maxValue: 365 },
      { type: 'longDecimal', id: 'Cookies_QuotaBytes', valueName: 'QuotaBytes', required: false, minValue: 1024, maxValue: 10_000_000_000 },
      { type: 'decimal', id: 'Cookies_Retries', valueName: 'Retries', required: false },
      {
        type: 'boolean',
        id: 'Cookies_Locked',
        valueName: 'Locked',
        trueValue: { type: 'decimal', value: 1 },
        falseValue: { type: 'decimal', value: 0 },
      },
      {
        type: 'enum',
        id: 'Cookies_Partition',
        valueName: 'Partition',
        required: false,
        items: [
          { displayName: '$(string.Cookies_Partition_Off)', value: { type: 'decimal', value: 0 } },
          { displayName: '$(string.Cookies_Partition_Strict)', value: { type: 'decimal', value: 2 } },
        ],
      },
      {
        type: 'list',
        id: 'Cookies_Block',
        key: 'Software\\Policies\\Mozilla\\Firefox\\Cookies\\Block',
        valuePrefix: '',
        additive: true,
        explicitValue: false,
      },
    ]);
    const [behavior] = policyNamed(def.policies, 'Cookies_Behavior').elements;
    expect(behavior?.type === 'enum' && behavior.items.map((i) => i.value)).toEqual([
      { type: 'string', value: 'accept' },
      { type: 'string', value: 'reject-foreign' },
      { type: 'string', value: 'reject' },
      { type: 'string', value: 'reject-tracker' },
    ]);
  });

  it('reads value lists with their default key', () => {
    const def = parseAdmx(`<policyDefinitions><policies>
      <policy name="P" class="Machine" key="K">
        <enabledList defaultKey="Software\\A">
          <item valueName="One"><value><string>1 &amp; 2</string></value></item>
          <item key="Software\\B" valueName="Two"><value><longDecimal value="18000000000"/></value></item>
        </enabledList>
      </policy></policies></policyDefinitions>`);
    expect(def.policies[0]?.enabledList).toEqual({
      defaultKey: 'Software\\A',
      items: [
        { valueName: 'One', value: { type: 'string', value: '1 & 2' } },
        { key: 'Software\\B', valueName: 'Two', value: { type: 'longDecimal', value: 18_000_000_000 } },
      ],
    });
  });
});

describe('parseAdmx refuses hostile and malformed input', () => {
  const billionLaughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
<policyDefinitions><categories><category name="&lol2;"/></categories></policyDefinitions>`;

  it('rejects a DOCTYPE before parsing', () => {
    const err = thrown(() => parseAdmx(billionLaughs));
    expect(err).toBeInstanceOf(AdmxDoctypeError);
    expect(err).toBeInstanceOf(AdmxError);
    expect(err).toMatchObject({
      code: 'ERR_ADMX_DOCTYPE',
      message: 'ADMX document contains a DOCTYPE declaration; DTDs and entity declarations are not allowed',
    });
  });

  it('rejects an ENTITY declaration even without a DOCTYPE keyword in front', () => {
    expect(thrown(() => parseAdmx('<policyDefinitions><!ENTITY x SYSTEM "file:///etc/passwd"></policyDefinitions>'))).toMatchObject({
      code: 'ERR_ADMX_DOCTYPE',
      message: 'ADMX document contains an ENTITY declaration; DTDs and entity declarations are not allowed',
    });
  });

  it('rejects what is not XML', () => {
    const err = thrown(() => parseAdmx('this is not xml'));
    expect(err).toBeInstanceOf(AdmxParseError);
    expect(err).toMatchObject({ code: 'ERR_ADMX_PARSE', message: "ADMX is not well-formed XML: char 't' is not expected. (line 1, column 1)" });
    expect(thrown(() => parseAdmx('<policyDefinitions><categories></policyDefinitions>'))).toMatchObject({
      code: 'ERR_ADMX_PARSE',
      message:
        "ADMX is not well-formed XML: Expected closing tag 'categories' (opened in line 1, col 20) instead of closing tag 'policyDefinitions'. (line 1, column 32)",
    });
    expect(thrown(() => parseAdmx('   '))).toMatchObject({ code: 'ERR_ADMX_PARSE', message: 'ADMX document is empty' });
  });

  it('rejects a wrong root element, e.g. an ADML given as ADMX', () => {
    expect(thrown(() => parseAdmx(fixture('admx-mozilla.en-US.adml')))).toMatchObject({
      code: 'ERR_ADMX_PARSE',
      message: 'ADMX root element must be <policyDefinitions>, found <policyDefinitionResources>',
    });
  });

  it('rejects unknown entities instead of passing them through', () => {
    expect(thrown(() => parseAdmx('<policyDefinitions><categories><category name="a&nbsp;b"/></categories></policyDefinitions>'))).toMatchObject({
      code: 'ERR_ADMX_PARSE',
      message: 'ADMX is not well-formed XML: attribute name of <category>: unknown entity "&nbsp;"',
    });
  });

  it('rejects input over the size limit', () => {
    const big = `<policyDefinitions>${' '.repeat(2000)}</policyDefinitions>`;
    const err = thrown(() => parseAdmx(big, { maxBytes: 1024 }));
    expect(err).toBeInstanceOf(AdmxSizeError);
    expect(err).toMatchObject({ code: 'ERR_ADMX_TOO_LARGE', message: 'ADMX document is larger than the 1024-byte limit' });
    // Counted in UTF-8 bytes: 400 three-byte characters exceed 1024 bytes in fewer UTF-16 units.
    const wide = `<policyDefinitions revision="${'€'.repeat(400)}"/>`;
    expect(wide.length).toBeLessThan(1024);
    expect(thrown(() => parseAdmx(wide, { maxBytes: 1024 }))).toMatchObject({ code: 'ERR_ADMX_TOO_LARGE' });
    expect(parseAdmx(`<policyDefinitions revision="${'€'.repeat(300)}"/>`, { maxBytes: 1024 }).revision).toHaveLength(300);
  });

  it('rejects nesting deeper than any ADMX needs', () => {
    const deep = `<policyDefinitions>${'<a>'.repeat(100)}${'</a>'.repeat(100)}</policyDefinitions>`;
    const err = thrown(() => parseAdmx(deep));
    expect(err).toMatchObject({
      code: 'ERR_ADMX_PARSE',
      name: 'AdmxParseError',
      message: 'ADMX could not be parsed: Maximum nested tags exceeded',
    });
    // The parser's own error is kept as the cause.
    expect((err as Error).cause).toMatchObject({ message: 'Maximum nested tags exceeded' });
  });

  it('says which schema rule a policy breaks', () => {
    const policy = (attrs: string, body = '') =>
      `<policyDefinitions><policies><policy ${attrs}>${body}</policy></policies></policyDefinitions>`;
    expect(thrown(() => parseAdmx(policy('name="P" class="Computer" key="K"')))).toMatchObject({
      code: 'ERR_ADMX_PARSE',
      message: 'ADMX: policy "P" has class "Computer"; expected Machine, User or Both',
    });
    expect(thrown(() => parseAdmx(policy('name="P" class="User"')))).toMatchObject({
      code: 'ERR_ADMX_PARSE',
      message: 'ADMX: policy "P": <policy> has no key attribute',
    });
    expect(thrown(() => parseAdmx(policy('name="P" class="User" key="K"', '<elements><text/></elements>')))).toMatchObject({
      code: 'ERR_ADMX_PARSE',
      message: 'ADMX: policy "P" <text>: <text> has no id attribute',
    });
    expect(thrown(() => parseAdmx(policy('name="P" class="User" key="K"', '<elements><decimal id="d" maxValue="ten"/></elements>')))).toMatchObject({
      code: 'ERR_ADMX_PARSE',
      message: 'ADMX: policy "P" element "d": maxValue="ten" is not an unsigned integer',
    });
    expect(thrown(() => parseAdmx(policy('name="P" class="User" key="K"', '<elements><slider id="s"/></elements>')))).toMatchObject({
      code: 'ERR_ADMX_PARSE',
      message: 'ADMX: policy "P" <slider>: unknown policy element type <slider>',
    });
    expect(thrown(() => parseAdmx(policy('name="P" class="User" key="K"', '<parentCategory ref="a:b:c"/>')))).toMatchObject({
      code: 'ERR_ADMX_PARSE',
      message: 'ADMX: policy "P" <parentCategory>: malformed reference "a:b:c"',
    });
  });
});
