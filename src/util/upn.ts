/**
 * Microsoft Entra's user principal name: before the @, letters, digits and ' . - _ ! # ^ ~
 * (up to 64, no leading, trailing or double dot); after it, a DNS domain (up to 48); at most 113
 * in all. The apostrophe is allowed (o'brien@contoso.com); guest accounts
 * (jane_fabrikam.com#EXT#@contoso.onmicrosoft.com) fit too. One rule for every place a person is
 * named by UPN: hunting parameters, subscriptions, the on-call rota.
 */
const UPN_LOCAL = /^(?!\.)(?!.*\.\.)[A-Za-z0-9'._!#^~-]{1,64}(?<!\.)$/;
const DNS_DOMAIN = /^(?=.{1,48}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

export function isUpn(value: string): boolean {
  const at = value.lastIndexOf('@');
  if (at < 0 || value.length > 113) return false;
  return UPN_LOCAL.test(value.slice(0, at)) && DNS_DOMAIN.test(value.slice(at + 1));
}
