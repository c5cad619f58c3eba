/** Where the Webshare simulator lives: sub-users at `/webshare/api/v2/subuser/`. */
export const WEBSHARE_PREFIX = '/webshare';
