// ccxt's kucoin exchange, unmodified, against a KeyAdmin-protected service. The options only say where the
// service is and what it is: a spot exchange (no margin, futures, high-frequency or unified accounts to probe).
// node ccxt.mjs flow|probe   (credentials and URL in KC_URL, KC_KEY, KC_SECRET, KC_PASSPHRASE)
import ccxt from 'ccxt';
import { flow, probe, service } from './client.mjs';

const exchange = new ccxt.kucoin({
  apiKey: service.key,
  secret: service.secret,
  password: service.passphrase,
  enableRateLimit: false,
  options: {
    uta: false,
    hf: false,
    fetchMarkets: { types: ['spot'], fetchTickersFees: false },
  },
});
for (const api of Object.keys(exchange.urls.api)) {
  exchange.urls.api[api] = service.url;
}

const balance = async () => {
  const total = (await exchange.fetchBalance()).total;
  return { BTC: total.BTC, USDT: total.USDT };
};

if (process.argv[2] === 'probe') {
  await exchange.loadMarkets(false, { marginables: false });
  await probe(balance, (error) => /"code":"(\d+)"/.exec(String(error?.message ?? ''))?.[1]);
} else {
  let orderId;
  await flow([
    ['markets', async () => Object.keys(await exchange.loadMarkets(false, { marginables: false }))],
    ['balance', balance],
    ['limitOrder', async () => {
      orderId = (await exchange.createOrder('BTC/USDT', 'limit', 'buy', 0.001, 30000)).id;
      return orderId;
    }],
    ['ordersWithQuery', async () => {
      // A value that needs percent-encoding: ccxt signs it decoded and sends it encoded.
      const ids = (await exchange.fetchOpenOrders('BTC/USDT', undefined, undefined, { side: 'buy', note: 'desk bot/1' })).map((o) => o.id);
      if (!ids.includes(orderId)) {
        throw new Error(`the order ${orderId} is not listed: ${ids}`);
      }
      return ids;
    }],
    ['withdrawal', async () => (await exchange.withdraw('USDT', 10, 'TQrZ9wBzhpmVwvhqmnMUkBN1iuSxVn1qX7', undefined, { network: 'TRX' })).id],
  ]);
}
process.exit(0);
