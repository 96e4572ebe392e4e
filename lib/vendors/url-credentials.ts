/** URL credentials (`scheme://user:pass@host`) are secrets: such a URL never goes into a file anyone may fetch. */
export function hasUrlCredentials(url: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/[^/?#\s]*@/i.test(url);
}
