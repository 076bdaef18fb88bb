/** `items` in runs of at most `size`: the services cap how many names one call may take. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Every page of a paged AWS call, following `NextToken` until there is none (moto ends with ""). */
export async function allPages<P extends { NextToken?: string | undefined }>(
  fetch: (token: { NextToken?: string }) => Promise<P>,
): Promise<P[]> {
  const pages: P[] = [];
  let token: string | undefined;
  do {
    const page = await fetch(token === undefined ? {} : { NextToken: token });
    pages.push(page);
    token = page.NextToken || undefined;
  } while (token !== undefined);
  return pages;
}
