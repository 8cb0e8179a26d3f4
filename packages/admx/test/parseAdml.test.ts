import { describe, expect, it } from 'vitest';
import {
  AdmxParseError,
  displayNameOf,
  explainTextOf,
  parseAdml,
  parseAdmx,
  presentationOf,
  resolveAdmlString,
} from '@winmdm/admx';
import type { AdmxPolicy } from '@winmdm/admx';
import { fixture } from './fixtures.js';

describe('parseAdml', () => {
  it('reads the Mozilla ADML string table and resolves the category display name', () => {
    const adml = parseAdml(fixture('admx-mozilla.en-US.adml'));
    // <displayName/> and <description/> are empty in the real file: absent, not "".
    expect(adml).toEqual({ strings: new Map([['mozilla', 'Mozilla']]), presentations: new Map() });
    const def = parseAdmx(fixture('admx-mozilla.admx'));
    const [category] = def.categories;
    expect(category === undefined ? undefined : displayNameOf(category, adml)).toBe('Mozilla');
  });

  const adml = parseAdml(fixture('firefox-cookies-sample.en-US.adml'));
  const def = parseAdmx(fixture('firefox-cookies-sample.admx'));
  const policy = (name: string) => def.policies.find((p) => p.name === name) as AdmxPolicy;

  it('reads display name, description and strings with entities and line breaks kept', () => {
    expect(adml.displayName).toBe('Firefox cookie settings (sample)');
    expect(adml.description).toBe("Cookie policies laid out like Mozilla's Firefox templates.");
    expect(explainTextOf(policy('Cookies_Default'), adml)).toBe(
      "If this policy is disabled, websites can't set cookies.\nSites & subdomains are covered.",
    );
  });

  it('resolves display names of policies, categories, enum items and supportedOn definitions', () => {
    expect(displayNameOf(policy('Cookies_Behavior'), adml)).toBe('Cookie behavior');
    expect(def.categories.map((c) => displayNameOf(c, adml))).toEqual(['Firefox', 'Cookies']);
    const [behavior] = policy('Cookies_Behavior').elements;
    expect(behavior?.type === 'enum' && behavior.items.map((i) => displayNameOf(i, adml))).toEqual([
      'Accept all cookies',
      'Reject third-party cookies',
      'Reject all cookies',
      'Reject trackers',
    ]);
    expect(def.supportedOnDefinitions.map((d) => displayNameOf(d, adml))).toEqual(['Firefox 60 or later']);
    // Cookies_UserPrompt has no explainText; a string the ADML lacks resolves to undefined.
    expect(explainTextOf(policy('Cookies_UserPrompt'), adml)).toBeUndefined();
    expect(resolveAdmlString('$(string.NoSuchString)', adml)).toBeUndefined();
    expect(resolveAdmlString('Literal text', adml)).toBe('Literal text');
  });

  it('reads presentations with their controls, labels and element references', () => {
    expect(presentationOf(policy('Cookies_Settings'), adml)).toEqual({
      id: 'Cookies_Settings',
      controls: [
        { type: 'text', label: 'Settings' },
        { type: 'textBox', refId: 'Cookies_Banner', label: 'Banner text' },
        { type: 'multiTextBox', refId: 'Cookies_Hosts', label: 'Hosts' },
        { type: 'decimalTextBox', refId: 'Cookies_LifetimeDays', label: 'Lifetime (days)' },
        { type: 'decimalTextBox', refId: 'Cookies_QuotaBytes', label: 'Quota (bytes)' },
        { type: 'decimalTextBox', refId: 'Cookies_Retries', label: 'Retries' },
        { type: 'checkBox', refId: 'Cookies_Locked', label: 'Lock the setting' },
        { type: 'dropdownList', refId: 'Cookies_Partition', label: 'Partitioning' },
        { type: 'listBox', refId: 'Cookies_Block', label: 'Blocked sites' },
      ],
    });
    expect(presentationOf(policy('Cookies_Default'), adml)).toBeUndefined();
    // Every element of the policy has a control that renders it.
    const refIds = presentationOf(policy('Cookies_Settings'), adml)?.controls.map((c) => c.refId);
    expect(policy('Cookies_Settings').elements.every((e) => refIds?.includes(e.id))).toBe(true);
  });

  it('keeps ids like __proto__ as plain ids', () => {
    const res = parseAdml(
      '<policyDefinitionResources><resources><stringTable><string id="__proto__">x</string><string id="a">1</string><string id="a">2</string></stringTable></resources></policyDefinitionResources>',
    );
    expect([...res.strings]).toEqual([
      ['__proto__', 'x'],
      ['a', '1'],
    ]);
  });

  it('rejects an ADMX given as ADML, and DTDs', () => {
    let err: unknown;
    try {
      parseAdml(fixture('admx-mozilla.admx'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AdmxParseError);
    expect(err).toMatchObject({
      code: 'ERR_ADMX_PARSE',
      message: 'ADML root element must be <policyDefinitionResources>, found <policyDefinitions>',
    });
    expect(() => parseAdml('<!DOCTYPE x><policyDefinitionResources/>')).toThrow(
      expect.objectContaining({
        code: 'ERR_ADMX_DOCTYPE',
        message: 'ADML document contains a DOCTYPE declaration; DTDs and entity declarations are not allowed',
      }),
    );
  });
});
