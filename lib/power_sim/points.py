"""The point programme (ポイント事業者): picks up our member checks and grant
requests from the outbox and answers each in our inbox. Member IDs in
`unknown` are invalid; grants to them are refused."""
from pathlib import Path

from power_core.formats import points
from power_sim import drop


class PointProgramme:

    def __init__(self, outbox, inbox, unknown=()):
        self.outbox, self.inbox = Path(outbox), Path(inbox)
        self.unknown = set(unknown)

    def process(self):
        written = []
        for path in sorted(self.outbox.glob('MEMBER_*.csv')):
            members = points.read_members(path.read_bytes(), path.name,
                result=False)
            answers = [points.Member(m.customer_number, m.member_id,
                    'invalid' if m.member_id in self.unknown else 'valid',
                    '会員番号が見つかりません' if m.member_id in self.unknown
                    else '') for m in members]
            written.append(drop(self.inbox, path.name.replace('MEMBER_',
                        'MEMBER_RESULT_'), points.write_members(answers,
                        result=True)))
            path.unlink()
        for path in sorted(self.outbox.glob('GRANT_*.csv')):
            grants = points.read_grants(path.read_bytes(), path.name,
                result=False)
            answers = [points.Grant(g.grant_id, g.customer_number,
                    g.member_id, g.invoice, g.amount, g.points,
                    'refused' if g.member_id in self.unknown else 'granted',
                    '会員番号が無効です' if g.member_id in self.unknown
                    else '') for g in grants]
            written.append(drop(self.inbox, path.name.replace('GRANT_',
                        'GRANT_RESULT_'), points.write_grants(answers,
                        result=True)))
            path.unlink()
        return written
