// KuCoin's official Node SDK (kucoin-universal-sdk), unmodified, against a KeyAdmin-protected service.
// node kucoin-universal-sdk.mjs flow|probe   (credentials and URL in KC_URL, KC_KEY, KC_SECRET, KC_PASSPHRASE)
import sdk from 'kucoin-universal-sdk';
import { flow, probe, service } from './client.mjs';

const { ClientOptionBuilder, DefaultClient, TransportOptionBuilder, Spot, Account } = sdk;
const client = new DefaultClient(new ClientOptionBuilder()
  .setKey(service.key)
  .setSecret(service.secret)
  .setPassphrase(service.passphrase)
  .setSpotEndpoint(service.url)
  .setFuturesEndpoint(service.url)
  .setBrokerEndpoint(service.url)
  .setTransportOption(new TransportOptionBuilder().setKeepAlive(false).build())
  .build());
const rest = client.restService();
const market = rest.getSpotService().getMarketApi();
const orders = rest.getSpotService().getOrderApi();
const accounts = rest.getAccountService().getAccountApi();
const withdrawals = rest.getAccountService().getWithdrawalApi();

const listAccounts = async () => {
  const response = await accounts.getSpotAccountList(Account.Account.GetSpotAccountListReq.builder().setCurrency('USDT').setType('trade').build());
  return response.data.map((a) => ({ currency: a.currency, type: a.type, balance: a.balance }));
};

if (process.argv[2] === 'probe') {
  await probe(listAccounts, (error) => error?.getCommonResponse?.()?.code ?? error?.getError?.()?.response?.data?.code);
} else {
  let orderId;
  await flow([
    ['serverTime', async () => (await market.getServerTime()).data],
    ['symbols', async () => (await market.getAllSymbols(Spot.Market.GetAllSymbolsReq.builder().build())).data.map((s) => s.symbol)],
    ['accounts', listAccounts],
    ['limitOrder', async () => {
      const request = Spot.Order.AddOrderOldReq.builder()
        .setClientOid('sdk-' + Date.now())
        .setSide(Spot.Order.AddOrderOldReq.SideEnum.BUY)
        .setSymbol('BTC-USDT')
        .setType(Spot.Order.AddOrderOldReq.TypeEnum.LIMIT)
        .setPrice('30000')
        .setSize('0.001')
        .build();
      orderId = (await orders.addOrderOld(request)).orderId;
      return orderId;
    }],
    ['ordersWithQuery', async () => {
      const request = Spot.Order.GetOrdersListOldReq.builder()
        .setStatus(Spot.Order.GetOrdersListOldReq.StatusEnum.ACTIVE)
        .setSymbol('BTC-USDT')
        .setSide(Spot.Order.GetOrdersListOldReq.SideEnum.BUY)
        .build();
      const ids = (await orders.getOrdersListOld(request)).items.map((o) => o.id);
      if (!ids.includes(orderId)) {
        throw new Error(`the order ${orderId} is not listed: ${ids}`);
      }
      return ids;
    }],
    ['withdrawal', async () => {
      const request = Account.Withdrawal.WithdrawalV1Req.builder()
        .setCurrency('USDT')
        .setAddress('TQrZ9wBzhpmVwvhqmnMUkBN1iuSxVn1qX7')
        .setAmount(10)
        .setChain('trx')
        .build();
      return (await withdrawals.withdrawalV1(request)).withdrawalId;
    }],
  ]);
}
process.exit(0);
