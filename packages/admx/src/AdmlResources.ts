/**
 * One control of an ADML `<presentation>`: the element name (`textBox`, `decimalTextBox`,
 * `dropdownList`, `checkBox`, `listBox`, `multiTextBox`, `comboBox`, `text`), the policy element it
 * renders (`refId`) and its label text.
 */
export interface AdmlPresentationControl {
  type: string;
  refId?: string;
  label?: string;
}

/** An ADML `<presentation id>`: how a policy's elements are laid out in the editor. */
export interface AdmlPresentation {
  id: string;
  controls: AdmlPresentationControl[];
}

/**
 * A parsed ADML file (the language resources of an ADMX): its string table and presentations,
 * keyed by id. Maps, not objects, so that an id such as `__proto__` is just an id.
 */
export interface AdmlResources {
  displayName?: string;
  description?: string;
  strings: ReadonlyMap<string, string>;
  presentations: ReadonlyMap<string, AdmlPresentation>;
}
