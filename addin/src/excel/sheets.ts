import { dataSheetName } from '../../../core/workbook.ts';

/**
 * A new worksheet in place of the one holding the named table (at its position), named after the
 * title, or at the end when the workbook has no such table yet. Sheets of the user's keep their
 * names: the new one then gets a numbered name. The new sheet is added before the previous one
 * goes, since Excel keeps one visible sheet at all times. Whatever the caller queued before is
 * sent with the first of its one or two syncs.
 */
export async function replaceTableSheet(context: Excel.RequestContext, table: string, title: string): Promise<{ sheet: Excel.Worksheet; name: string }> {
  const { worksheets } = context.workbook;
  const previousTable = context.workbook.tables.getItemOrNullObject(table).load('isNullObject');
  worksheets.load('items/name');
  await context.sync();
  const previousSheet = previousTable.isNullObject ? undefined : previousTable.worksheet.load('name, position');
  if (previousSheet) await context.sync();

  const name = dataSheetName(
    title,
    worksheets.items.map((sheet) => sheet.name).filter((sheetName) => sheetName !== previousSheet?.name),
  );
  const sheet = worksheets.add();
  if (previousSheet) {
    sheet.position = previousSheet.position;
    previousSheet.delete();
  }
  sheet.name = name;
  return { sheet, name };
}
