"""The ten grid areas (供給区域) of Japan and their transmission operators.

The area code is the first two digits of a supply point number
(docs/domain.md §3.5).
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    name_ja: str
    operator_ja: str


AREAS = {a.code: a for a in (
    Area('01', 'Hokkaido', '北海道', '北海道電力ネットワーク'),
    Area('02', 'Tohoku', '東北', '東北電力ネットワーク'),
    Area('03', 'Tokyo', '東京', '東京電力パワーグリッド'),
    Area('04', 'Chubu', '中部', '中部電力パワーグリッド'),
    Area('05', 'Hokuriku', '北陸', '北陸電力送配電'),
    Area('06', 'Kansai', '関西', '関西電力送配電'),
    Area('07', 'Chugoku', '中国', '中国電力ネットワーク'),
    Area('08', 'Shikoku', '四国', '四国電力送配電'),
    Area('09', 'Kyushu', '九州', '九州電力送配電'),
    Area('10', 'Okinawa', '沖縄', '沖縄電力'),
    )}
