/** The demo members of supabase/seed.sql, and someone who signs in without membership. */
export const ADMIN = 'admin@ozg-sync.example';
export const MOBILITAET = 'mobilitaet@ozg-sync.example';
export const UNTERNEHMEN = 'unternehmen@ozg-sync.example';
export const KOELN = 'ozg@koeln.example';
export const METTMANN = 'ozg@mettmann.example';
export const KREIS_METTMANN_IT = 'ozg@kreis-mettmann.example';
export const FREMD = 'jemand@example.org';
