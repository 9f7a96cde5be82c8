/** A line on stderr only at verbosity >= level (-v, -vv ...); features take it instead of a logger. */
export type Debug = (level: number, text: string) => void;
