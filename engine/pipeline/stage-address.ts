// How a stage is addressed when a repository has several pipeline files: `path/to/dvc.yaml:stage`,
// bare for the pipeline at the root (as DVC addresses stages from the root).

/** A stage's name seen from the root: bare in the root's pipeline, else `file:name`. */
export function qualifiedName(file: string, name: string): string {
  return file.includes('/') ? `${file}:${name}` : name;
}
