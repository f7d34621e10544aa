/**
 * The lowest Excel JavaScript API the pane runs on: manifest.xml's <Requirements> names the same set, so Office does
 * not even offer the add-in where it is missing (tests/manifest.test.ts keeps the two equal). A host that installed it
 * anyway, e.g. through an older manifest, gets told what it lacks instead of failing on the first call.
 */
export const MIN_EXCEL_API = '1.8';

/** German text for a host below MIN_EXCEL_API, naming what is needed. */
export const UNSUPPORTED_EXCEL =
  `OZG-Sync braucht Excel mit der Excel-JavaScript-API ${MIN_EXCEL_API} oder neuer: Microsoft 365, Excel im Web, ` +
  'Excel 2021 oder 2024 oder Excel 2019 aus dem Einzelhandel (nicht die Volumenlizenz-Ausgabe, die nur 1.7 kennt). ' +
  'Diese Excel-Version bietet sie nicht. Bitte wenden Sie sich an Ihre IT-Abteilung.';

export function excelApiSupported(): boolean {
  return Office.context.requirements.isSetSupported('ExcelApi', MIN_EXCEL_API);
}
