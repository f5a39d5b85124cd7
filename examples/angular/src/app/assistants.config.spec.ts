import { serverFromUrl } from './assistants.config';

describe('serverFromUrl', () => {
  it('takes a loopback server from the address', () => {
    expect(serverFromUrl('http://localhost:4200/?server=http://127.0.0.1:8787/v1')).toEqual({
      mode: 'server',
      baseURL: 'http://127.0.0.1:8787/v1',
      apiKey: 'local',
    });
    expect(serverFromUrl('http://localhost:4200/')).toBeUndefined();
  });

  it('refuses any other server, so that a link cannot send the key elsewhere', () => {
    expect(serverFromUrl('http://localhost:4200/?server=https://evil.example/v1')).toBeUndefined();
    expect(
      serverFromUrl('http://localhost:4200/?server=http://127.0.0.1.evil.example/v1'),
    ).toBeUndefined();
    expect(serverFromUrl('http://localhost:4200/?server=not a url')).toBeUndefined();
  });
});
