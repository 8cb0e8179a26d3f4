import { describe, expect, it } from 'vitest';
import { admxCategoryPath, admxInstallUri, admxPolicyUri, admxPolicyUris, AdmxUriError, parseAdmx } from '@winmdm/admx';
import type { AdmxDefinition, AdmxPolicy, AdmxSettingType } from '@winmdm/admx';
import { fixture, syncMLItems } from './fixtures.js';

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
const contosoApp = { appName: 'ContosoCompanyApp', settingType: 'Policy' } as const;

describe('admxPolicyUri / admxPolicyUris on the Contoso sample', () => {
  it('maps every policy to its hand-checked URI (Machine → ./Device, User → ./User)', () => {
    const base = 'Vendor/MSFT/Policy/Config/ContosoCompanyApp~Policy~ParentCategoryArea';
    expect([...admxPolicyUris(contoso, contosoApp).keys()]).toEqual([
      `./Device/${base}~Category1/L_PolicyConfigurationMode`,
      `./Device/${base}~Category1/L_PolicyEnableSIPHighSecurityMode`,
      `./Device/${base}~Category1/L_PolicySipCompression`,
      `./Device/${base}~Category1/L_PolicyPreventRun`,
      `./Device/${base}~Category2/L_PolicyConfiguredServerCheckValues`,
      `./User/${base}~Category2/L_PolicySipCompression_1`,
      `./User/${base}~Category2~Category3/L_PolicyPreventRun_1`,
      `./User/${base}~Category2~Category3/L_PolicyGalDownloadInitialDelay_1`,
    ]);
  });

  it('maps each URI to its policy object', () => {
    const uris = admxPolicyUris(contoso, contosoApp);
    for (const [uri, policy] of uris) {
      expect(uri.endsWith(`/${policy.name}`)).toBe(true);
      expect(admxPolicyUri(contoso, policy, contosoApp)).toBe(uri);
    }
    expect(uris.size).toBe(contoso.policies.length);
  });

  it('matches the LocURI of the Learn example once its stray space ("~ Policy~") is removed', () => {
    for (const name of ['admx-ingested-app-policy-enable-cdata-learn.xml', 'admx-ingested-app-policy-enable-entity-escaped-learn-old.xml']) {
      const [item] = syncMLItems(fixture(name));
      const published = item?.locUri ?? '';
      expect(published).toContain('~ Policy~');
      const policy = contoso.policies.find((p) => p.name === 'L_PolicyConfigurationMode') as AdmxPolicy;
      expect(admxPolicyUri(contoso, policy, contosoApp)).toBe(published.replace('~ Policy~', '~Policy~'));
    }
  });

  it('uses the Preference branch when asked', () => {
    const policy = contoso.policies[0] as AdmxPolicy;
    expect(admxPolicyUri(contoso, policy, { appName: 'ContosoCompanyApp', settingType: 'Preference' })).toBe(
      './Device/Vendor/MSFT/Policy/Config/ContosoCompanyApp~Preference~ParentCategoryArea~Category1/L_PolicyConfigurationMode',
    );
  });
});

describe('admxPolicyUri on the Firefox layout (parent in another namespace)', () => {
  const app = { appName: 'Firefox', settingType: 'Policy' } as const;

  it('stops the category path at Mozilla:Cat_Mozilla, root-most first', () => {
    const cookiesDefault = firefox.policies[0] as AdmxPolicy;
    expect(admxCategoryPath(firefox, cookiesDefault)).toEqual(['firefox', 'Cookies']);
    expect([...admxPolicyUris(firefox, app).keys()]).toEqual([
      './Device/Vendor/MSFT/Policy/Config/Firefox~Policy~firefox~Cookies/Cookies_Default',
      // parentCategory ref="firefox:Cookies": the file's own prefix stays within the file.
      './Device/Vendor/MSFT/Policy/Config/Firefox~Policy~firefox~Cookies/Cookies_Allow',
      './Device/Vendor/MSFT/Policy/Config/Firefox~Policy~firefox~Cookies/Cookies_Behavior',
      './Device/Vendor/MSFT/Policy/Config/Firefox~Policy~firefox~Cookies/Cookies_Settings',
      './User/Vendor/MSFT/Policy/Config/Firefox~Policy~firefox~Cookies/Cookies_UserPrompt',
    ]);
  });

  it('treats a using prefix bound to the file\'s own namespace as local, any other prefix as foreign', () => {
    const def: AdmxDefinition = {
      target: { prefix: 'me', namespace: 'Example.Mine' },
      using: [
        { prefix: 'self', namespace: 'Example.Mine' },
        { prefix: 'other', namespace: 'Example.Other' },
      ],
      supportedOnDefinitions: [],
      categories: [
        { name: 'Top', parentCategory: { prefix: 'other', name: 'Root' } },
        { name: 'Mid', parentCategory: { prefix: 'self', name: 'Top' } },
        { name: 'Leaf', parentCategory: { prefix: 'me', name: 'Mid' } },
      ],
      policies: [],
    };
    const policy: AdmxPolicy = { name: 'P', class: 'User', key: 'K', parentCategory: { name: 'Leaf' }, elements: [] };
    expect(admxCategoryPath(def, policy)).toEqual(['Top', 'Mid', 'Leaf']);
    expect(admxCategoryPath(def, { ...policy, parentCategory: { prefix: 'undeclared', name: 'Leaf' } })).toEqual([]);
    expect(admxPolicyUri(def, { ...policy, parentCategory: { prefix: 'other', name: 'Root' } }, { appName: 'A', settingType: 'Policy' })).toBe(
      './User/Vendor/MSFT/Policy/Config/A~Policy/P',
    );
  });
});

describe('LocURI escaping', () => {
  const def: AdmxDefinition = {
    using: [],
    supportedOnDefinitions: [],
    categories: [{ name: 'Cat Ä/x' }],
    policies: [],
  };
  const policy: AdmxPolicy = { name: 'P~1 (new)', class: 'Both', key: 'K', parentCategory: { name: 'Cat Ä/x' }, elements: [] };

  it('percent-escapes every character but A-Z a-z 0-9 - . _ inside names', () => {
    expect(admxPolicyUri(def, policy, { appName: 'My App_1.0-x', settingType: 'Policy' })).toBe(
      './Device/Vendor/MSFT/Policy/Config/My%20App_1.0-x~Policy~Cat%20%C3%84%2Fx/P%7E1%20%28new%29',
    );
  });

  it('escapes names that would read as path steps', () => {
    expect(admxInstallUri('..', 'Policy', '.')).toBe('./Device/Vendor/MSFT/Policy/ConfigOperations/ADMXInstall/%2E%2E/Policy/%2E');
  });

  it('refuses empty and unencodable names with ERR_ADMX_URI', () => {
    const empty = thrown(() => admxPolicyUri(def, policy, { appName: '', settingType: 'Policy' }));
    expect(empty).toBeInstanceOf(AdmxUriError);
    expect(empty).toMatchObject({ code: 'ERR_ADMX_URI', message: 'appName must be a non-empty string' });
    expect(thrown(() => admxInstallUri('App', 'Policy', 'a\uD800'))).toMatchObject({
      code: 'ERR_ADMX_URI',
      message: 'fileUid "a\\ud800" holds an unpaired surrogate and cannot be percent-encoded',
    });
    expect(thrown(() => admxInstallUri('App', 'policy' as AdmxSettingType, 'f'))).toMatchObject({
      code: 'ERR_ADMX_URI',
      message: 'settingType must be "Policy" or "Preference", got "policy"',
    });
  });
});

describe('admxPolicyUri on broken category structure', () => {
  const base = { using: [], supportedOnDefinitions: [], policies: [] };
  const app = { appName: 'A', settingType: 'Policy' } as const;

  it('reports a parent category the file does not define', () => {
    const def: AdmxDefinition = { ...base, categories: [{ name: 'C', parentCategory: { name: 'Missing' } }] };
    const policy: AdmxPolicy = { name: 'P', class: 'Machine', key: 'K', parentCategory: { name: 'C' }, elements: [] };
    expect(thrown(() => admxPolicyUri(def, policy, app))).toMatchObject({
      code: 'ERR_ADMX_URI',
      message: 'category "C" has parent category "Missing", which this ADMX file does not define',
    });
    expect(thrown(() => admxPolicyUri(def, { ...policy, parentCategory: { name: 'Nope' } }, app))).toMatchObject({
      code: 'ERR_ADMX_URI',
      message: 'policy "P" has parent category "Nope", which this ADMX file does not define',
    });
  });

  it('reports a cycle of parents instead of looping', () => {
    const def: AdmxDefinition = {
      ...base,
      categories: [
        { name: 'A', parentCategory: { name: 'B' } },
        { name: 'B', parentCategory: { name: 'A' } },
      ],
    };
    const policy: AdmxPolicy = { name: 'P', class: 'Machine', key: 'K', parentCategory: { name: 'A' }, elements: [] };
    expect(thrown(() => admxPolicyUri(def, policy, app))).toMatchObject({
      code: 'ERR_ADMX_URI',
      message: 'categories of policy "P" form a cycle through "A"',
    });
  });

  it('refuses two policies with one URI rather than dropping one', () => {
    const policy: AdmxPolicy = { name: 'P', class: 'Machine', key: 'K', elements: [] };
    const def: AdmxDefinition = { ...base, categories: [], policies: [policy, { ...policy, class: 'Both' }] };
    expect(thrown(() => admxPolicyUris(def, app))).toMatchObject({
      code: 'ERR_ADMX_URI',
      message: 'two policies of the file map to the same URI ./Device/Vendor/MSFT/Policy/Config/A~Policy/P',
    });
  });
});

describe('admxInstallUri', () => {
  it('builds the ADMXInstall node of the Learn example, under ./Device', () => {
    const [add] = syncMLItems(fixture('admxinstall-contoso-add-learn.xml'));
    // Learn writes the device-scoped shorthand ./Vendor/...; ours is explicit.
    expect(add?.locUri).toBe('./Vendor/MSFT/Policy/ConfigOperations/ADMXInstall/ContosoCompanyApp/Policy/AppAdmxFile01');
    expect(admxInstallUri('ContosoCompanyApp', 'Policy', 'AppAdmxFile01')).toBe(
      (add?.locUri ?? '').replace('./Vendor/', './Device/Vendor/'),
    );
    expect(admxInstallUri('Firefox', 'Preference', 'firefox admx')).toBe(
      './Device/Vendor/MSFT/Policy/ConfigOperations/ADMXInstall/Firefox/Preference/firefox%20admx',
    );
  });
});
