/**
 * A CSV file streamed to the browser a chunk (a page of rows) at a time. The first chunk is read
 * before the 200, so a failing first read is an error page rather than an empty file; a later failure
 * cuts the download short, and is logged.
 */
export async function csvDownload(chunks: AsyncGenerator<string>, filename: string, what: string): Promise<Response> {
  const first = await chunks.next();
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (first.done) controller.close();
      else controller.enqueue(encoder.encode(first.value));
    },
    async pull(controller) {
      try {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      } catch (err) {
        console.error(`${what} cut short`, err);
        controller.error(err);
      }
    },
  });
  return new Response(body, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${filename}"`,
      "cache-control": "private, no-store",
    },
  });
}
