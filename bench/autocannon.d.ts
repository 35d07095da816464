/** autocannon ships no types; the bench calls it with an options object and reads a few result fields. */
declare module 'autocannon';
