import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '@hono/node-server/serve-static';
import { swaggerUI } from '@hono/swagger-ui';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { cors } from 'hono/cors';
import { secureHeaders } from 'hono/secure-headers';
import type { Database } from './db/database.ts';
import { errorColumn, isDataError, SQLSTATE, sqlState } from './db/errors.ts';
import { AppError, badRequest, errorResponse, notFound, type ErrorCode } from './errors.ts';
import { DEFAULT_LIVE_LIMITS, LiveHub } from './live/hub.ts';
import { createRouter, documentedMethods, withCommonResponses, type LiveStreams } from './openapi.ts';
import { requestOrigin, type OriginOptions } from './origin.ts';
import type { Inviter } from './auth/invite.ts';
import type { AuthSetup } from './auth/require-member.ts';
import { createRoutes } from './routes/index.ts';

const SWAGGER_ASSETS = '/docs/assets';
const ADDIN_DIST = fileURLToPath(new URL('../dist/addin/', import.meta.url));
const swaggerDist = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

const HTTP_CODES: Record<number, { code: ErrorCode; message: string }> = {
  400: { code: 'bad_request', message: 'Die Anfrage ist fehlerhaft, z. B. kein gültiges JSON.' },
  401: { code: 'unauthorized', message: 'Bitte melden Sie sich an.' },
  403: { code: 'forbidden', message: 'Dazu fehlt Ihnen die Berechtigung.' },
  404: { code: 'not_found', message: 'Nicht gefunden.' },
  413: { code: 'payload_too_large', message: 'Die Anfrage ist zu groß.' },
  415: {
    code: 'unsupported_media_type',
    message: 'Dieser Inhalt wird hier nicht angenommen: Bitte den Inhalt in dem Format senden, das die API-Referenz (/docs) nennt, mit passendem Content-Type.',
  },
};

/** The most a request under /api may send, so that no endpoint reads an arbitrarily large body into memory. */
const DEFAULT_BODY_LIMIT = 1024 * 1024;

/**
 * Routes that take files or large pushes refuse more than their own, larger limit, with their own message:
 * pushes and sheet files PUSH_LIMITS.bytes (10 MB), the catalogue import IMPORT_LIMIT_BYTES (20 MB).
 */
const OWN_BODY_LIMITS = [/^\/api\/sheets\/[^/]+\/(changes|import)$/, /^\/api\/admin\/import$/];

const defaultBodyLimit = bodyLimit({
  maxSize: DEFAULT_BODY_LIMIT,
  onError: () => {
    throw new AppError('payload_too_large', `Die Anfrage ist zu groß: höchstens ${DEFAULT_BODY_LIMIT / 1024 / 1024} MB.`);
  },
});

export interface AppOptions {
  db: Database;
  auth: AuthSetup;
  /** Origins whose pages may call the API from a browser (the add-in's own origin by default). */
  allowedOrigins?: string[];
  /** The Supabase project the task pane signs in with (supabase mode). */
  supabase?: { url: string; anonKey: string };
  /** The built task pane (vite build), served under /addin. */
  addinDir?: string;
  /** Origins besides Office's and the server's own that may frame the task pane (FRAME_ANCESTORS). */
  frameAncestors?: string[];
  /** Whether the pane offers "Mit Microsoft anmelden" (the Supabase project has the Azure provider enabled). */
  supabaseAzure?: boolean;
  /** Supabase Auth's invitations, where the server holds the project's service-role key (supabase mode only). */
  inviter?: Inviter;
  /** The process's one listener for live change notices (GET /api/events); a new one with the default limits without. */
  live?: LiveStreams;
  /** How the server's own public address is found (PUBLIC_URL, TRUST_PROXY). */
  origin?: OriginOptions;
}

/**
 * The pages that frame an add-in in Office on the web. Microsoft renders add-ins in an iframe there
 * (https://learn.microsoft.com/office/dev/add-ins/concepts/privacy-and-security, "Prevent clickjacking") but publishes
 * no frame-ancestors list for add-ins; frame-ancestors checks every ancestor, so this names each origin the Excel
 * frame and the page around it are served from, as Microsoft's endpoint list gives them: Office for the web
 * (*.officeapps.live.com, *.online.office.com, office.live.com, ID 46), *.office.com (ID 147), SharePoint and
 * OneDrive (*.sharepoint.com, onedrive.live.com) and the newer *.cloud.microsoft domain (e.g. excel.cloud.microsoft,
 * https://learn.microsoft.com/office/dev/add-ins/develop/agents-toolkit-overview).
 * https://learn.microsoft.com/microsoft-365/enterprise/urls-and-ip-address-ranges
 */
export const OFFICE_FRAME_ANCESTORS = [
  'https://*.officeapps.live.com',
  'https://*.online.office.com',
  'https://office.live.com',
  'https://*.office.com',
  'https://*.sharepoint.com',
  'https://onedrive.live.com',
  'https://*.cloud.microsoft',
];

/** The API and its reference: never framed, never read by other origins. */
const strictHeaders = secureHeaders();

/**
 * The web app at `/`: a page people sign in on and upload files from is never framed by anyone, so a clickjacking
 * page cannot lay itself over „Hochladen“. frame-ancestors 'none' is the CSP form of X-Frame-Options DENY
 * (https://developer.mozilla.org/docs/Web/HTTP/Headers/Content-Security-Policy/frame-ancestors).
 */
const webHeaders = secureHeaders({ xFrameOptions: 'DENY', contentSecurityPolicy: { frameAncestors: ["'none'"] } });

/** The web app's page; its scripts and styles are the pane's assets under /addin/assets. */
const WEB_PAGE = 'web.html';

/**
 * The task pane, the sign-in dialog and their assets: Office frames the pane from its own origins and loads the
 * ribbon icons cross-origin, so X-Frame-Options (which cannot name several origins) gives way to frame-ancestors.
 * The opener policy stays unsafe-none because Office on the web opens the sign-in dialog as a window of its own page
 * and hears from it through that window (Office.context.ui.messageParent).
 */
function addinHeaders(frameAncestors: string[]) {
  return secureHeaders({
    xFrameOptions: false,
    crossOriginResourcePolicy: 'cross-origin',
    crossOriginOpenerPolicy: 'unsafe-none',
    contentSecurityPolicy: { frameAncestors: ["'self'", ...OFFICE_FRAME_ANCESTORS, ...frameAncestors] },
  });
}

/** The HTTP API without a listening socket: tests call app.request(), main.ts serves it. */
export function createApp({
  db,
  auth,
  allowedOrigins = [],
  supabase,
  addinDir = ADDIN_DIST,
  frameAncestors = [],
  supabaseAzure = false,
  inviter,
  live = { hub: new LiveHub(db, DEFAULT_LIVE_LIMITS), heartbeatMs: 15_000 },
  origin = {},
}: AppOptions) {
  const app = createRouter();
  const forAddin = addinHeaders(frameAncestors);
  app.use((c, next) => {
    if (c.req.path === '/' || c.req.path === `/addin/${WEB_PAGE}`) return webHeaders(c, next);
    return c.req.path.startsWith('/addin/') ? forAddin(c, next) : strictHeaders(c, next);
  });
  app.use(
    '/api/*',
    cors({
      origin: allowedOrigins,
      allowHeaders: ['Authorization', 'Content-Type'],
      allowMethods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
      maxAge: 600,
    }),
  );
  app.use('/api/*', (c, next) => (OWN_BODY_LIMITS.some((path) => path.test(c.req.path)) ? next() : defaultBodyLimit(c, next)));
  app.use(async (c, next) => {
    c.set('db', db);
    c.set('live', live);
    c.set('origin', requestOrigin(c, origin));
    await next();
  });

  app.route(
    '/',
    createRoutes(
      auth,
      {
        mode: auth.mode,
        ...(supabase ? { supabaseUrl: supabase.url, supabaseAnonKey: supabase.anonKey, microsoft: supabaseAzure, einladen: auth.mode === 'supabase' && Boolean(inviter) } : {}),
      },
      // Local mode has no accounts to invite to.
      auth.mode === 'supabase' ? inviter : undefined,
    ),
  );
  app.use('/addin/*', serveStatic({ root: addinDir, rewriteRequestPath: (p) => p.slice('/addin'.length) }));
  // Read on each request, like serveStatic does, so that a new build needs no restart.
  app.get('/', async (c) => {
    const page = await readFile(path.join(addinDir, WEB_PAGE), 'utf8').catch((error: NodeJS.ErrnoException) => {
      // Not built yet, or a build is replacing it right now: that is no fault of the request.
      if (error.code === 'ENOENT') throw notFound('Die Browser-Oberfläche ist nicht gebaut. `npm start` oder `npm run build` baut sie.');
      throw error;
    });
    return c.html(page);
  });
  // The manifest's SupportUrl: German help for the people who use the add-in (the API reference is /docs).
  app.get('/hilfe', (c) => c.redirect('/addin/hilfe.html'));

  app.openAPIRegistry.registerComponent('securitySchemes', 'Anmeldung', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'Access-Token von Supabase Auth oder, im lokalen Betrieb, von POST /api/dev/login',
  });
  const documentConfig = {
    openapi: '3.1.0',
    security: [{ Anmeldung: [] }],
    info: {
      title: 'OZG-Sync API',
      version: '0.1.0',
      description:
        'Zentraler OZG-Katalog für NRW: Themenfelder, OZG-Leistungen, Kommunen und ihr Umsetzungsstand. ' +
        'Fehler kommen immer als JSON {"error": {"code", "message", "details"}} mit deutscher Meldung.',
    },
  };
  let document: ReturnType<typeof app.getOpenAPI31Document> | undefined;
  const openApiDocument = () => (document ??= withCommonResponses(app.getOpenAPI31Document(documentConfig)));
  app.get('/openapi.json', (c) => c.json(openApiDocument()));
  app.get('/docs', swaggerUI({ url: '/openapi.json', baseUrl: SWAGGER_ASSETS, title: 'OZG-Sync API' }));
  app.use(
    `${SWAGGER_ASSETS}/swagger-ui-dist/*`,
    serveStatic({ root: swaggerDist, rewriteRequestPath: (p) => p.slice(`${SWAGGER_ASSETS}/swagger-ui-dist`.length) }),
  );

  app.notFound((c) => {
    const allowed = documentedMethods(openApiDocument(), c.req.path);
    if (allowed.length === 0) return errorResponse(c, notFound(`Den Pfad ${c.req.method} ${c.req.path} gibt es nicht.`));
    // RFC 9110, 15.5.6: a 405 must name the methods the resource supports; GET implies HEAD.
    const allow = [...allowed, ...(allowed.includes('GET') ? ['HEAD'] : [])].join(', ');
    c.header('Allow', allow);
    return errorResponse(c, new AppError('method_not_allowed', `${c.req.path} kennt ${c.req.method} nicht, nur ${allow}.`));
  });
  app.onError((error, c) => {
    if (error instanceof AppError) return errorResponse(c, error);
    if (error instanceof HTTPException) {
      const known = HTTP_CODES[error.status];
      if (known) return errorResponse(c, new AppError(known.code, known.message));
    }
    // Only a request's own text gets here with characters the database cannot store: its fault, not ours.
    const state = sqlState(error);
    if (state === SQLSTATE.characterNotInRepertoire || state === SQLSTATE.untranslatableCharacter) {
      return errorResponse(c, badRequest('Die Anfrage enthält Zeichen, die nicht gespeichert werden können, z. B. das Nullzeichen (\\u0000).'));
    }
    // The API checks values before the database does; what still fails there is a value the client sent.
    if (isDataError(state)) {
      const column = errorColumn(error);
      console.warn(`${c.req.method} ${c.req.path}: Datenfehler ${state}${column ? ` in ${column}` : ''}`);
      return errorResponse(
        c,
        badRequest(
          column
            ? `Der Wert für „${column}“ passt nicht zu den Regeln der Datenbank; nichts wurde gespeichert.`
            : 'Ein Wert der Anfrage liegt außerhalb dessen, was die Datenbank speichern kann; nichts wurde gespeichert.',
          { sqlstate: state, ...(column ? { column } : {}) },
        ),
      );
    }
    console.error(`${c.req.method} ${c.req.path}:`, error);
    return errorResponse(
      c,
      new AppError('internal', 'Ein interner Fehler ist aufgetreten. Bitte versuchen Sie es später erneut.'),
    );
  });
  return app;
}
