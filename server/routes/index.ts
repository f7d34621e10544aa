import { createRouter } from '../openapi.ts';
import { healthRoutes } from './health.ts';
import { kommunenRoutes } from './kommunen.ts';
import { leistungenRoutes } from './leistungen.ts';
import { sheetsRoutes } from './sheets.ts';
import { themenfelderRoutes } from './themenfelder.ts';

/** Every resource of the API, mounted in one place; its type is what the add-in's typed client sees. */
export const routes = createRouter()
  .route('/', healthRoutes)
  .route('/', themenfelderRoutes)
  .route('/', leistungenRoutes)
  .route('/', kommunenRoutes)
  .route('/', sheetsRoutes);

export type ApiRoutes = typeof routes;
