import jwt from 'jsonwebtoken';
import { jwtVerifyKey } from './jwt-key';

describe('jwtVerifyKey', () => {
  it('verifies exactly the tokens the string secret verifies, and is made once per secret', () => {
    const token = jwt.sign({ sub: '1' }, 'a secret of the right length, long enough', { algorithm: 'HS256', expiresIn: 60 });
    expect((jwt.verify(token, jwtVerifyKey('a secret of the right length, long enough'), { algorithms: ['HS256'] }) as { sub: string }).sub).toBe('1');
    expect(() => jwt.verify(token, jwtVerifyKey('another secret, just as long as the first'), { algorithms: ['HS256'] })).toThrow(/invalid signature/);
    expect(jwtVerifyKey('a secret of the right length, long enough')).toBe(jwtVerifyKey('a secret of the right length, long enough'));
  });
});
