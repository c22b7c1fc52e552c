import { formatKiteIstTime } from "./clock.js";
import type { IssuedAccessToken } from "./state.js";
import type { SimAccount } from "./types.js";

/** The `data` objects of the API replies, key for key in the order of kiteconnect-mocks. */

const EXCHANGES_SESSION = ["NSE", "NFO", "BFO", "CDS", "BSE", "MCX", "BCD", "MF"];
const EXCHANGES_PROFILE = ["BFO", "MCX", "NSE", "CDS", "BSE", "BCD", "MF", "NFO"];
const PRODUCTS = ["CNC", "NRML", "MIS", "BO", "CO"];
const ORDER_TYPES = ["MARKET", "LIMIT", "SL", "SL-M"];

/** `data` of POST /session/token (generate_session.json). */
export function sessionData(
  account: SimAccount,
  accessToken: string,
  issued: IssuedAccessToken,
): Record<string, unknown> {
  return {
    user_type: "individual",
    email: account.email,
    user_name: account.userName,
    user_shortname: account.userShortname,
    broker: "ZERODHA",
    exchanges: [...EXCHANGES_SESSION],
    products: [...PRODUCTS],
    order_types: [...ORDER_TYPES],
    avatar_url: null,
    user_id: account.userId,
    api_key: issued.apiKey,
    access_token: accessToken,
    public_token: issued.publicToken,
    enctoken: issued.enctoken,
    refresh_token: "",
    silo: "",
    login_time: formatKiteIstTime(issued.loginTime),
    meta: { demat_consent: "physical" },
  };
}

/** `data` of GET /user/profile (profile.json). */
export function profileData(account: SimAccount): Record<string, unknown> {
  return {
    user_id: account.userId,
    user_type: "individual",
    email: account.email,
    user_name: account.userName,
    user_shortname: account.userShortname,
    broker: "ZERODHA",
    exchanges: [...EXCHANGES_PROFILE],
    products: [...PRODUCTS],
    order_types: [...ORDER_TYPES],
    avatar_url: null,
    meta: { demat_consent: "physical" },
  };
}
