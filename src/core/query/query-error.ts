/** A query text or JSON query that cannot be understood; `position` points into the text. */
export class QueryError extends Error {
  override name = 'QueryError';
  readonly position: number | undefined;

  constructor(message: string, position?: number) {
    super(position === undefined ? message : `${message} at position ${position}`);
    this.position = position;
  }
}
