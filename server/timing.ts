// Durations as the server reports them: milliseconds to the microsecond. Finer digits are timer
// noise, and each costs bytes in every event and reply.
export const roundMs = (ms: number): number => Math.round(ms * 1000) / 1000;
