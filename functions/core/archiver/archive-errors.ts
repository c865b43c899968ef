/** Why an archive attempt failed, as the archiver and its download adapter tell each other. */

/** The presigned URL stopped working (expired or refused): ask Amigo for a fresh one. */
export class ArtifactLinkExpired extends Error {
  override readonly name = "ArtifactLinkExpired";
}

/** The body ended before Content-Length bytes arrived (a dropped connection). */
export class ArtifactTruncated extends Error {
  override readonly name = "ArtifactTruncated";
}

/** The archive cannot be made from this link; asking again for one now will not help. */
export class ArchiveFailed extends Error {
  override readonly name: string = "ArchiveFailed";
}

/** The link (or a redirect from it) is not one simwatch fetches: not https, a private address, credentials, too many hops. */
export class ArtifactRefused extends ArchiveFailed {
  override readonly name = "ArtifactRefused";
}

/** The artifact file is larger than ARCHIVE_MAX_BYTES (said by Content-Length, or found while streaming). */
export class ArtifactTooLarge extends ArchiveFailed {
  override readonly name = "ArtifactTooLarge";
}
