import JSZip from 'jszip';

/**
 * A native line chart added to a workbook that ExcelJS wrote (ExcelJS writes no charts): the
 * chart part, a drawing anchoring it on the sheet, the relationships between sheet, drawing and
 * chart, and their content types, as ECMA-376 Part 1 lays them out (§ 21.2 DrawingML Charts,
 * § 20.5 SpreadsheetML Drawing, § 18.3.1.36 drawing element of a worksheet).
 */

export interface LineSeries {
  /** The cell holding the series' name, e.g. A4. */
  nameCell: string;
  name: string;
  /** The cells holding the values, e.g. B4:D4; null where a point is missing. */
  valueRange: string;
  values: (number | null)[];
}

export interface LineChart {
  sheet: string;
  title: string;
  valueAxisTitle: string;
  /** The cells holding the category labels (the x axis), e.g. B3:D3. */
  categoryRange: string;
  categories: string[];
  series: LineSeries[];
  /** Format of the values, e.g. 0% for shares. */
  valueFormat: string;
  /** Where the chart sits: zero-based columns and rows of its top left and bottom right corners. */
  anchor: { fromCol: number; fromRow: number; toCol: number; toRow: number };
}

const NS = {
  c: 'http://schemas.openxmlformats.org/drawingml/2006/chart',
  a: 'http://schemas.openxmlformats.org/drawingml/2006/main',
  r: 'http://schemas.openxmlformats.org/officeDocument/2006/relationships',
  xdr: 'http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing',
  rels: 'http://schemas.openxmlformats.org/package/2006/relationships',
};
const REL_DRAWING = `${NS.r}/drawing`;
const REL_CHART = `${NS.r}/chart`;
const TYPE_DRAWING = 'application/vnd.openxmlformats-officedocument.drawing+xml';
const TYPE_CHART = 'application/vnd.openxmlformats-officedocument.drawingml.chart+xml';
const DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

const escape = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** An absolute reference into the sheet, as a chart's formulas carry them: 'Verlauf'!$B$3:$D$3. */
function reference(sheet: string, range: string): string {
  const absolute = range.replace(/([A-Z]+)(\d+)/g, '$$$1$$$2');
  return `'${sheet.replaceAll("'", "''")}'!${absolute}`;
}

const richText = (text: string) =>
  `<c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:r><a:t>${escape(text)}</a:t></a:r></a:p></c:rich></c:tx><c:overlay val="0"/>`;

function strCache(values: readonly string[]): string {
  const points = values.map((value, idx) => `<c:pt idx="${idx}"><c:v>${escape(value)}</c:v></c:pt>`).join('');
  return `<c:strCache><c:ptCount val="${values.length}"/>${points}</c:strCache>`;
}

function numCache(values: readonly (number | null)[], format: string): string {
  const points = values.flatMap((value, idx) => (value === null ? [] : [`<c:pt idx="${idx}"><c:v>${value}</c:v></c:pt>`])).join('');
  return `<c:numCache><c:formatCode>${escape(format)}</c:formatCode><c:ptCount val="${values.length}"/>${points}</c:numCache>`;
}

/** The chart part; the caches let a reader draw it without recalculating, the formulas keep it tied to the cells. */
function chartXml(chart: LineChart): string {
  const series = chart.series
    .map(
      (s, idx) =>
        `<c:ser><c:idx val="${idx}"/><c:order val="${idx}"/>` +
        `<c:tx><c:strRef><c:f>${escape(reference(chart.sheet, s.nameCell))}</c:f>${strCache([s.name])}</c:strRef></c:tx>` +
        `<c:marker><c:symbol val="circle"/><c:size val="6"/></c:marker>` +
        `<c:cat><c:strRef><c:f>${escape(reference(chart.sheet, chart.categoryRange))}</c:f>${strCache(chart.categories)}</c:strRef></c:cat>` +
        `<c:val><c:numRef><c:f>${escape(reference(chart.sheet, s.valueRange))}</c:f>${numCache(s.values, chart.valueFormat)}</c:numRef></c:val>` +
        `<c:smooth val="0"/></c:ser>`,
    )
    .join('');
  return (
    DECLARATION +
    `<c:chartSpace xmlns:c="${NS.c}" xmlns:a="${NS.a}" xmlns:r="${NS.r}">` +
    `<c:roundedCorners val="0"/>` +
    `<c:chart><c:title>${richText(chart.title)}</c:title><c:autoTitleDeleted val="0"/>` +
    `<c:plotArea><c:layout/>` +
    `<c:lineChart><c:grouping val="standard"/><c:varyColors val="0"/>${series}<c:marker val="1"/>` +
    `<c:axId val="1001"/><c:axId val="1002"/></c:lineChart>` +
    `<c:catAx><c:axId val="1001"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/><c:axPos val="b"/>` +
    `<c:numFmt formatCode="General" sourceLinked="0"/><c:tickLblPos val="nextTo"/><c:crossAx val="1002"/><c:crosses val="autoZero"/>` +
    `<c:auto val="1"/><c:lblAlgn val="ctr"/><c:lblOffset val="100"/><c:noMultiLvlLbl val="0"/></c:catAx>` +
    `<c:valAx><c:axId val="1002"/><c:scaling><c:orientation val="minMax"/><c:min val="0"/></c:scaling><c:delete val="0"/><c:axPos val="l"/>` +
    `<c:majorGridlines/><c:title>${richText(chart.valueAxisTitle)}</c:title>` +
    `<c:numFmt formatCode="${escape(chart.valueFormat)}" sourceLinked="0"/><c:tickLblPos val="nextTo"/><c:crossAx val="1001"/>` +
    `<c:crosses val="autoZero"/><c:crossBetween val="between"/></c:valAx>` +
    `</c:plotArea>` +
    `<c:legend><c:legendPos val="r"/><c:overlay val="0"/></c:legend>` +
    `<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart>` +
    `</c:chartSpace>`
  );
}

function drawingXml(chart: LineChart, chartRel: string): string {
  const { fromCol, fromRow, toCol, toRow } = chart.anchor;
  const corner = (tag: string, col: number, row: number) =>
    `<xdr:${tag}><xdr:col>${col}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>${row}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:${tag}>`;
  return (
    DECLARATION +
    `<xdr:wsDr xmlns:xdr="${NS.xdr}" xmlns:a="${NS.a}">` +
    `<xdr:twoCellAnchor editAs="oneCell">${corner('from', fromCol, fromRow)}${corner('to', toCol, toRow)}` +
    `<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="2" name="${escape(chart.title)}"/><xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr>` +
    `<xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm>` +
    `<a:graphic><a:graphicData uri="${NS.c}"><c:chart xmlns:c="${NS.c}" xmlns:r="${NS.r}" r:id="${chartRel}"/></a:graphicData></a:graphic>` +
    `</xdr:graphicFrame><xdr:clientData/></xdr:twoCellAnchor></xdr:wsDr>`
  );
}

const relationships = (entries: string) => `${DECLARATION}<Relationships xmlns="${NS.rels}">${entries}</Relationships>`;

/** Adds a relationship to a .rels part (creating it), under an id the part does not use yet. */
function addRelationship(rels: string | null, type: string, target: string): { xml: string; id: string } {
  const xml = rels ?? relationships('');
  const used = new Set([...xml.matchAll(/Id="([^"]+)"/g)].map((m) => m[1]));
  let n = 1;
  while (used.has(`rId${n}`)) n++;
  const id = `rId${n}`;
  return { id, xml: xml.replace('</Relationships>', `<Relationship Id="${id}" Type="${type}" Target="${target}"/></Relationships>`) };
}

/** The worksheet part holding the named sheet, found through workbook.xml and its relationships. */
async function sheetPart(zip: JSZip, name: string): Promise<string> {
  const workbook = await zip.file('xl/workbook.xml')!.async('string');
  const sheet = [...workbook.matchAll(/<sheet\b[^>]*>/g)].map((m) => m[0]).find((tag) => tag.includes(`name="${escape(name)}"`));
  const rid = sheet && /r:id="([^"]+)"/.exec(sheet)?.[1];
  const rels = await zip.file('xl/_rels/workbook.xml.rels')!.async('string');
  const target = rid && [...rels.matchAll(/<Relationship\b[^>]*>/g)].map((m) => m[0]).find((tag) => tag.includes(`Id="${rid}"`));
  const path = target && /Target="([^"]+)"/.exec(target)?.[1];
  if (!path) throw new Error(`no worksheet ${name} in the workbook`);
  return path.startsWith('/') ? path.slice(1) : `xl/${path}`;
}

/**
 * The drawing element's place among a worksheet's children (ECMA-376 Part 1, § 18.3.1.99
 * CT_Worksheet, a sequence: readers reject children out of order): after the page setup and
 * header/footer, before legacy drawings, tables and extensions, as excelize's xlsxWorksheet
 * (xmlWorksheet.go) lists the fields too.
 */
const AFTER_DRAWING = ['<legacyDrawing', '<legacyDrawingHF', '<picture', '<oleObjects', '<controls', '<webPublishItems', '<tableParts', '<extLst', '</worksheet>'];

export async function addLineChart(bytes: Uint8Array, chart: LineChart): Promise<Uint8Array> {
  const zip = await JSZip.loadAsync(bytes);
  if (zip.file(/^xl\/drawings\/drawing\d+\.xml$/).length > 0 || zip.file(/^xl\/charts\//).length > 0) {
    throw new Error('addLineChart expects a workbook without drawings');
  }
  const sheetPath = await sheetPart(zip, chart.sheet);
  const sheetDir = sheetPath.slice(0, sheetPath.lastIndexOf('/'));
  const sheetFile = sheetPath.slice(sheetPath.lastIndexOf('/') + 1);
  const sheetRelsPath = `${sheetDir}/_rels/${sheetFile}.rels`;

  const chartRel = addRelationship(null, REL_CHART, '../charts/chart1.xml');
  zip.file('xl/charts/chart1.xml', chartXml(chart));
  zip.file('xl/drawings/drawing1.xml', drawingXml(chart, chartRel.id));
  zip.file('xl/drawings/_rels/drawing1.xml.rels', chartRel.xml);

  const sheetRels = addRelationship((await zip.file(sheetRelsPath)?.async('string')) ?? null, REL_DRAWING, '../drawings/drawing1.xml');
  zip.file(sheetRelsPath, sheetRels.xml);
  let sheet = await zip.file(sheetPath)!.async('string');
  if (!/<worksheet\b[^>]*xmlns:r=/.test(sheet)) sheet = sheet.replace('<worksheet', `<worksheet xmlns:r="${NS.r}"`);
  const at = Math.min(...AFTER_DRAWING.map((tag) => sheet.indexOf(tag)).filter((index) => index >= 0));
  zip.file(sheetPath, `${sheet.slice(0, at)}<drawing r:id="${sheetRels.id}"/>${sheet.slice(at)}`);

  const types = await zip.file('[Content_Types].xml')!.async('string');
  zip.file(
    '[Content_Types].xml',
    types.replace(
      '</Types>',
      `<Override PartName="/xl/drawings/drawing1.xml" ContentType="${TYPE_DRAWING}"/>` +
        `<Override PartName="/xl/charts/chart1.xml" ContentType="${TYPE_CHART}"/></Types>`,
    ),
  );
  return new Uint8Array(await zip.generateAsync({ type: 'uint8array', compression: 'DEFLATE' }));
}
