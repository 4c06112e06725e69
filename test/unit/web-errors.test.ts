// The page's words for failures: one plain sentence per error code of the contract (and the page's
// own), the server's words kept as the detail, Retry only where it can help; and WiFi's reasons.
import { expect } from 'chai';
import { ErrorCodes } from '../../core/protocol/envelope.js';
import { HTTP_STATUS } from '../../core/http/errors.js';
import { codeOfStatus, ERROR_CATALOGUE, explain } from '../../web/src/errors.js';
import { wifiUnavailableWords } from '../../web/src/wifi-words.js';

describe('web: plain words for errors (web/src/errors.ts)', () => {
  it('has a sentence for every error code of the contract, none of them technical', () => {
    for (const code of ErrorCodes) {
      const entry = ERROR_CATALOGUE[code];
      expect(entry, code).to.be.an('object');
      expect(entry.text, code).to.match(/^[A-Z].*\.$/);
      expect(entry.text, code).not.to.match(/ffprobe|nmcli|HTTP|moov|slug|\d{3}/);
    }
  });

  it('keeps the server words as the detail and reads an unknown code as internal', () => {
    const why = 'found a damaged or incomplete MP4/QuickTime file (ffprobe: moov atom not found)';
    expect(explain('unsupported', why)).to.deep.equal({ text: ERROR_CATALOGUE.unsupported.text, detail: why, retry: false });
    expect(explain('what_is_this', 'boom')).to.deep.equal({ text: ERROR_CATALOGUE.internal.text, detail: 'boom', retry: true });
    expect(explain('busy', '  ').detail).to.equal(null);
  });

  const cases: Array<[code: string, retry: boolean]> = [
    ['unsupported', false],
    ['not_found', false],
    ['invalid', false],
    ['too_large', false],
    ['busy', true],
    ['timeout', true],
    ['unreachable', true],
    ['disconnected', true],
    ['storage_full', true],
  ];
  for (const [code, retry] of cases)
    it(`Retry ${retry ? 'is' : 'is not'} offered for ${code}`, () => expect(explain(code, 'x').retry).to.equal(retry));

  it("reads an HTTP status as the code the server's own table maps to it", () => {
    for (const code of ErrorCodes) if (code !== 'internal') expect(codeOfStatus(HTTP_STATUS[code]), code).to.equal(code);
    expect(codeOfStatus(502)).to.equal('internal');
  });

  it('says why WiFi control is unavailable in plain words, from the plugin reason', () => {
    expect(wifiUnavailableWords('nmcli not found (nmcli)')).to.match(/no NetworkManager/);
    expect(wifiUnavailableWords('NetworkManager is not running')).to.match(/not running/);
    expect(wifiUnavailableWords('WiFi is unavailable: no WiFi device')).to.match(/no WiFi adapter/);
    expect(wifiUnavailableWords(null)).to.match(/unavailable/);
  });
});
