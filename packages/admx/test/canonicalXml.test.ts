import { describe, expect, test } from 'vitest';
import { AdmxDoctypeError, AdmxParseError, canonicalXml } from '../src/index.js';

describe('canonicalXml', () => {
  test('two spellings of one document are one text', () => {
    const a = '<?xml version="1.0"?><WLANProfile xmlns="http://www.microsoft.com/networking/WLAN/profile/v1"><name>Corp &amp; Co</name><SSIDConfig><SSID><name>Corp</name></SSID></SSIDConfig></WLANProfile>';
    const b = '<WLANProfile xmlns="http://www.microsoft.com/networking/WLAN/profile/v1">\n  <name><![CDATA[Corp & Co]]></name>\n  <SSIDConfig>\n    <SSID><name>Corp</name></SSID>\n  </SSIDConfig>\n</WLANProfile>';
    expect(canonicalXml(a)).toBe(canonicalXml(b));
    expect(canonicalXml('<a y="2" x="1"/>')).toBe('<a x="1" y="2"></a>');
    expect(canonicalXml('<a><b>1</b></a>')).not.toBe(canonicalXml('<a><b>2</b></a>'));
  });

  test('uses the hardened reader: no DTD, one well-formed element', () => {
    expect(() => canonicalXml('<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>')).toThrow(AdmxDoctypeError);
    expect(() => canonicalXml('<a><b></a>')).toThrow(AdmxParseError);
    expect(() => canonicalXml('plain text')).toThrow(AdmxParseError);
  });
});
