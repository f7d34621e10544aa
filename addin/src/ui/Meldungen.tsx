import {
  Button,
  Field,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
} from '@fluentui/react-components';
import { DatePicker, type CalendarStrings } from '@fluentui/react-datepicker-compat';
import { useState } from 'react';
import type { ProgressResponse } from '../review/types.ts';
import { zeit } from './format.ts';

/** The calendar in German; Fluent's defaults are English (defaultDatePickerStrings). */
const KALENDER: CalendarStrings = {
  months: ['Januar', 'Februar', 'März', 'April', 'Mai', 'Juni', 'Juli', 'August', 'September', 'Oktober', 'November', 'Dezember'],
  shortMonths: ['Jan.', 'Feb.', 'März', 'Apr.', 'Mai', 'Juni', 'Juli', 'Aug.', 'Sept.', 'Okt.', 'Nov.', 'Dez.'],
  days: ['Sonntag', 'Montag', 'Dienstag', 'Mittwoch', 'Donnerstag', 'Freitag', 'Samstag'],
  shortDays: ['S', 'M', 'D', 'M', 'D', 'F', 'S'],
  goToToday: 'Heute',
  prevMonthAriaLabel: 'Voriger Monat',
  nextMonthAriaLabel: 'Nächster Monat',
  prevYearAriaLabel: 'Voriges Jahr',
  nextYearAriaLabel: 'Nächstes Jahr',
  prevYearRangeAriaLabel: 'Vorige Jahre',
  nextYearRangeAriaLabel: 'Nächste Jahre',
  monthPickerHeaderAriaLabel: '{0}, wählen, um den Monat zu ändern',
  yearPickerHeaderAriaLabel: '{0}, wählen, um das Jahr zu ändern',
  closeButtonAriaLabel: 'Kalender schließen',
  weekNumberFormatString: 'Kalenderwoche {0}',
  selectedDateFormatString: 'Ausgewählt: {0}',
  todayDateFormatString: 'Heute: {0}',
};
/** DayOfWeek.Monday of @fluentui/react-calendar-compat: German weeks start on Monday (DIN 1355). */
const MONTAG = 1;

const zweistellig = (n: number) => String(n).padStart(2, '0');
/** The calendar day the user picked, as the API's date (the server reads it as midnight in Germany). */
export const isoTag = (date: Date) => `${date.getFullYear()}-${zweistellig(date.getMonth() + 1)}-${zweistellig(date.getDate())}`;
export const deutscherTag = (date?: Date) =>
  date ? `${zweistellig(date.getDate())}.${zweistellig(date.getMonth() + 1)}.${date.getFullYear()}` : '';

/** "1.11.2026" or "01.11.2026" as typed; null for anything that is no calendar day. */
export function tagAusText(text: string): Date | null {
  const match = /^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s*$/.exec(text);
  if (!match) return null;
  const [tag, monat, jahr] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(jahr, monat - 1, tag);
  return date.getFullYear() === jahr && date.getMonth() === monat - 1 && date.getDate() === tag ? date : null;
}

/** „Noch nicht gemeldet seit …“: a calendar day, picked or typed (TT.MM.JJJJ), or none. */
export function SeitFeld({ seit, onChange }: { seit: string; onChange: (seit: string) => void }) {
  const [fehler, setFehler] = useState<string | null>(null);
  const value = seit ? new Date(`${seit}T00:00:00`) : null;
  return (
    <Field
      label="Noch nicht gemeldet seit"
      hint="Listet die Kommunen, die seit diesem Tag keine Zeile geändert haben (mit einem Themenfeld: keine seiner Zeilen)."
      validationMessage={fehler ?? undefined}
      validationState={fehler ? 'error' : 'none'}
    >
      <div className="row">
        <DatePicker
          value={value}
          allowTextInput
          placeholder="TT.MM.JJJJ"
          strings={KALENDER}
          firstDayOfWeek={MONTAG}
          formatDate={deutscherTag}
          parseDateFromString={tagAusText}
          maxDate={new Date()}
          popupSurface={{ 'aria-label': 'Kalender' }}
          onValidationResult={({ error }) =>
            setFehler(
              error === 'invalid-input'
                ? 'Bitte ein Datum als TT.MM.JJJJ eingeben, z. B. 01.11.2026.'
                : error === 'out-of-bounds'
                  ? 'Das Datum liegt in der Zukunft.'
                  : null,
            )
          }
          onSelectDate={(date) => onChange(date ? isoTag(date) : '')}
        />
        {seit && (
          <Button appearance="subtle" onClick={() => onChange('')}>
            Datum löschen
          </Button>
        )}
      </div>
    </Field>
  );
}

/**
 * The Kommunen without a change since the chosen day, those that never reported first, then the
 * longest silent: whom a coordinator reminds.
 */
export function NochNichtGemeldet({ bericht, seit }: { bericht: ProgressResponse; seit: string }) {
  const { kommunen, meldungen } = bericht;
  if (!meldungen) return null;
  const stumm = kommunen.zeilen
    .filter((zeile) => zeile.zeilen_seit === 0)
    .sort((a, b) => String(a.letzte_meldung ?? '').localeCompare(String(b.letzte_meldung ?? '')) || String(a.name).localeCompare(String(b.name), 'de'));
  const tag = deutscherTag(new Date(`${seit}T00:00:00`));
  const titel = `Noch nicht gemeldet seit ${tag}`;
  return (
    <section className="stack-tight" aria-label={titel}>
      <Text weight="semibold">
        {titel}: {stumm.length} von {kommunen.zeilen.length} Kommunen
      </Text>
      {stumm.length > 0 && (
        <Table size="small" aria-label={titel}>
          <TableHeader>
            <TableRow>
              <TableHeaderCell>Kommune</TableHeaderCell>
              <TableHeaderCell>Kreis</TableHeaderCell>
              <TableHeaderCell>Letzte Meldung</TableHeaderCell>
              <TableHeaderCell>gemeldet von</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {stumm.map((zeile) => (
              <TableRow key={String(zeile.schluessel)}>
                <TableCell>{zeile.name}</TableCell>
                <TableCell>{zeile.kreis}</TableCell>
                <TableCell>{zeit(zeile.letzte_meldung === null ? null : String(zeile.letzte_meldung))}</TableCell>
                <TableCell>{zeile.gemeldet_von ?? '–'}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </section>
  );
}
