import { z } from 'zod';

/** A browser bookmark the agent installs (`winPolicy.bookmarks[]`), keyed by `url`. */
export const BookmarkSchema = z.looseObject({
  url: z.string(),
  title: z.string().optional(),
  description: z.string().optional(),
  iconBase64: z.string().optional(),
  iconUrl: z.string().optional(),
});

/** A browser bookmark the agent installs. */
export type Bookmark = z.infer<typeof BookmarkSchema>;
