import fc from 'fast-check';

/**
 * Web addresses as the README states the rule (http or https, a host with a dot, no space or
 * control character anywhere), stated here on its own terms and never with the pattern under
 * test (addin/src/sync/rules.ts, the SQL check), so that loosening that pattern fails the tests.
 */

/** Addresses fast-check builds by RFC 3986 (host with a top-level domain, percent-encoded path, query, fragment). */
export const webAddress = fc.webUrl({ validSchemes: ['http', 'https'], withQueryParameters: true, withFragments: true });

/** Good addresses a person types, beyond what webUrl builds: umlauts, ports, deep paths. */
export const GOOD_URLS = [
  'https://www.stadt-koeln.de/service',
  'http://köln.de/bürgerbüro?x=1#a',
  'https://service.mettmann.de:8443/ozg/leistung/10294?id=99012001000000',
  'https://a.b',
];

/**
 * Every character a web address must not contain, by Unicode's own classes: controls (Cc) and
 * white space (White_Space, which includes U+0085 NEXT LINE and the no-break spaces), plus the
 * byte order mark U+FEFF that editors leave at the start of pasted text.
 */
export const BREAKING_CHARACTERS = Array.from({ length: 0x10000 }, (_, code) => String.fromCharCode(code)).filter((char) =>
  /[\p{Cc}\p{White_Space}\uFEFF]/u.test(char),
);

/**
 * A good address with one breaking character put inside it, after the scheme and before the last
 * character: inside, since the add-in ignores blanks around a link as it ignores them around any cell.
 */
export const brokenWebAddress = fc
  .tuple(webAddress, fc.constantFrom(...BREAKING_CHARACTERS), fc.nat())
  .map(([url, char, at]) => {
    const start = url.indexOf('://') + 3;
    const position = start + (at % (url.length - start));
    return url.slice(0, position) + char + url.slice(position);
  });

/** Addresses that are wrong in a way a person might type or paste, each for its own reason. */
export const BAD_URLS = [
  'www.koeln.de',
  'koeln.de/service',
  'javascript:alert(1)',
  'javascript://www.koeln.de/%0Aalert(1)',
  'data:text/html,<b>x</b>',
  'ftp://stadt-koeln.de',
  'mailto:ozg@koeln.example',
  'HTTPS://stadt-koeln.de',
  'https//www.koeln.de',
  'https:/www.koeln.de',
  'https://',
  'https://localhost/',
  'https://koeln/service.html',
  'https://.',
  'https://www.stadt-koeln.de/a b',
  'https://www.stadt koeln.de/',
  'https://www.stadt-koeln.de/a\u0085b',
  'https://www.stadt-koeln.de/a\u00a0b',
  'https://www.stadt-koeln.de/a\u2007b',
  'https://www.stadt-koeln.de/a\u3000b',
  'https://www.stadt-koeln.de/a\ufeffb',
  'https://www.stadt-koeln.de/a\tb',
  'https://www.stadt-koeln.de/a\nb',
  'https://www.stadt-\u0001koeln.de/',
  'https://www.koeln.de/a\u007fb',
];
