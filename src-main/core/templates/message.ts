// The template's `message`, shown once the guest is ready (CLI and UI), with Lima's fields filled
// in. Apart from the template loader, so a quick `corral list` can fill it without loading it.

/** The template's `message` with Lima's {{.Name}}, {{.Dir}} and {{.Param.KEY}} filled in. */
export function templateMessage(message: string, name: string, dir: string, param: Record<string, string | number | boolean> | undefined): string {
  return message.replace(/\{\{-?\s*\.(Name|Dir|Param\.([a-zA-Z][a-zA-Z0-9_]*))\s*-?\}\}/g, (whole, field: string, key: string | undefined) => {
    if (field === 'Name') return name;
    if (field === 'Dir') return dir;
    const value = key === undefined ? undefined : param?.[key];
    return value === undefined ? whole : String(value);
  });
}
