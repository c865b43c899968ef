/**
 * English issue messages for zod/mini, which loads no locale (every issue would read just
 * "Invalid input"): config errors, refused Amigo answers and refused bus events quote them.
 * Imported for its effect by the modules that turn issues into messages.
 */
import * as z from "zod/mini";
// From "zod/locales", not z.locales.en: that namespace would bundle every locale (~260 KB).
import { en } from "zod/locales";

z.config(en());
