// Placeholder until the S3 test server lands (see issue 3): nothing to start yet.
export default async function setup(): Promise<void> {}
