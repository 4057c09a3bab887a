"""Fake people and places for :mod:`synth.fake`: names with readings, addresses, phones."""

from __future__ import annotations

import random
from dataclasses import dataclass

SP = "\u3000"  # the full-width space between surname and given name

# (surname, katakana reading, romaji, weight). Variant-kanji (異体字) forms are rare.
SURNAMES: tuple[tuple[str, str, str, int], ...] = (
    ("佐藤", "サトウ", "sato", 8), ("鈴木", "スズキ", "suzuki", 8),
    ("高橋", "タカハシ", "takahashi", 7), ("田中", "タナカ", "tanaka", 7),
    ("伊藤", "イトウ", "ito", 6), ("渡辺", "ワタナベ", "watanabe", 6),
    ("山本", "ヤマモト", "yamamoto", 6), ("中村", "ナカムラ", "nakamura", 6),
    ("小林", "コバヤシ", "kobayashi", 5), ("加藤", "カトウ", "kato", 5),
    ("吉田", "ヨシダ", "yoshida", 5), ("山田", "ヤマダ", "yamada", 5),
    ("佐々木", "ササキ", "sasaki", 5), ("山口", "ヤマグチ", "yamaguchi", 4),
    ("松本", "マツモト", "matsumoto", 4), ("井上", "イノウエ", "inoue", 4),
    ("木村", "キムラ", "kimura", 4), ("林", "ハヤシ", "hayashi", 4),
    ("斎藤", "サイトウ", "saito", 4), ("清水", "シミズ", "shimizu", 4),
    ("山崎", "ヤマザキ", "yamazaki", 4), ("森", "モリ", "mori", 4),
    ("池田", "イケダ", "ikeda", 3), ("橋本", "ハシモト", "hashimoto", 3),
    ("阿部", "アベ", "abe", 3), ("石川", "イシカワ", "ishikawa", 3),
    ("前田", "マエダ", "maeda", 3), ("藤田", "フジタ", "fujita", 3),
    ("小川", "オガワ", "ogawa", 3), ("後藤", "ゴトウ", "goto", 3),
    ("岡田", "オカダ", "okada", 3), ("長谷川", "ハセガワ", "hasegawa", 3),
    ("村上", "ムラカミ", "murakami", 3), ("近藤", "コンドウ", "kondo", 3),
    ("石井", "イシイ", "ishii", 3), ("遠藤", "エンドウ", "endo", 3),
    ("青木", "アオキ", "aoki", 3), ("坂本", "サカモト", "sakamoto", 3),
    ("菅原", "スガワラ", "sugawara", 3), ("千葉", "チバ", "chiba", 3),
    ("工藤", "クドウ", "kudo", 2), ("大和田", "オオワダ", "owada", 2),
    ("小野寺", "オノデラ", "onodera", 2), ("及川", "オイカワ", "oikawa", 2),
    ("熊谷", "クマガイ", "kumagai", 2), ("中島", "ナカジマ", "nakajima", 2),
    # 異体字: same reading, different glyph
    ("髙橋", "タカハシ", "takahashi", 1), ("渡邉", "ワタナベ", "watanabe", 1),
    ("齋藤", "サイトウ", "saito", 1), ("山﨑", "ヤマザキ", "yamazaki", 1),
    ("渡邊", "ワタナベ", "watanabe", 1), ("髙木", "タカギ", "takagi", 1),
)

# (given name, katakana reading, romaji)
MALE: tuple[tuple[str, str, str], ...] = (
    ("太郎", "タロウ", "taro"), ("一郎", "イチロウ", "ichiro"), ("健一", "ケンイチ", "kenichi"),
    ("誠", "マコト", "makoto"), ("浩", "ヒロシ", "hiroshi"), ("大輔", "ダイスケ", "daisuke"),
    ("翔太", "ショウタ", "shota"), ("拓也", "タクヤ", "takuya"), ("健太", "ケンタ", "kenta"),
    ("隆", "タカシ", "takashi"), ("茂", "シゲル", "shigeru"), ("清", "キヨシ", "kiyoshi"),
    ("正男", "マサオ", "masao"), ("和夫", "カズオ", "kazuo"), ("修", "オサム", "osamu"),
    ("直樹", "ナオキ", "naoki"), ("達也", "タツヤ", "tatsuya"), ("蓮", "レン", "ren"),
    ("悠斗", "ユウト", "yuto"), ("光男", "ミツオ", "mitsuo"), ("秀樹", "ヒデキ", "hideki"),
    ("勝利", "カツトシ", "katsutoshi"), ("雄一", "ユウイチ", "yuichi"), ("博之", "ヒロユキ", "hiroyuki"),
)
FEMALE: tuple[tuple[str, str, str], ...] = (
    ("花子", "ハナコ", "hanako"), ("恵子", "ケイコ", "keiko"), ("陽子", "ヨウコ", "yoko"),
    ("幸子", "サチコ", "sachiko"), ("美穂", "ミホ", "miho"), ("裕子", "ユウコ", "yuko"),
    ("直美", "ナオミ", "naomi"), ("由美", "ユミ", "yumi"), ("久美子", "クミコ", "kumiko"),
    ("明美", "アケミ", "akemi"), ("愛", "アイ", "ai"), ("さくら", "サクラ", "sakura"),
    ("陽菜", "ヒナ", "hina"), ("美咲", "ミサキ", "misaki"), ("千尋", "チヒロ", "chihiro"),
    ("智子", "トモコ", "tomoko"), ("和子", "カズコ", "kazuko"), ("節子", "セツコ", "setsuko"),
    ("真由美", "マユミ", "mayumi"), ("麻衣", "マイ", "mai"), ("彩", "アヤ", "aya"),
    ("絵美", "エミ", "emi"), ("みどり", "ミドリ", "midori"), ("静香", "シズカ", "shizuka"),
)


@dataclass(frozen=True)
class Place:
    prefecture: str
    city: str  # city (+ ward)
    towns: tuple[str, ...]
    postal: str  # first 3 digits of the postal code
    area_code: str  # fixed-line area code


PLACES: tuple[Place, ...] = (
    Place("岩手県", "久慈市", ("川崎町", "中央", "長内町", "旭町"), "028", "0194"),
    Place("岩手県", "二戸市", ("福岡", "石切所", "堀野"), "028", "0195"),
    Place("岩手県", "盛岡市", ("内丸", "大通", "中央通"), "020", "019"),
    Place("北海道", "札幌市中央区", ("北一条西", "南三条西", "大通西"), "060", "011"),
    Place("青森県", "八戸市", ("内丸", "番町", "売市"), "031", "0178"),
    Place("宮城県", "仙台市青葉区", ("一番町", "国分町", "本町"), "980", "022"),
    Place("秋田県", "秋田市", ("山王", "中通", "旭北栄町"), "010", "018"),
    Place("東京都", "千代田区", ("丸の内", "神田神保町", "麹町"), "100", "03"),
    Place("東京都", "世田谷区", ("太子堂", "三軒茶屋", "北沢"), "154", "03"),
    Place("神奈川県", "横浜市中区", ("山下町", "本町", "元町"), "231", "045"),
    Place("埼玉県", "さいたま市浦和区", ("高砂", "常盤", "岸町"), "330", "048"),
    Place("千葉県", "千葉市中央区", ("中央", "新町", "富士見"), "260", "043"),
    Place("新潟県", "新潟市中央区", ("古町通", "東大通", "万代"), "951", "025"),
    Place("長野県", "松本市", ("中央", "大手", "深志"), "390", "0263"),
    Place("静岡県", "静岡市葵区", ("追手町", "呉服町", "紺屋町"), "420", "054"),
    Place("愛知県", "名古屋市中区", ("栄", "錦", "丸の内"), "460", "052"),
    Place("石川県", "金沢市", ("広坂", "香林坊", "片町"), "920", "076"),
    Place("京都府", "京都市左京区", ("岡崎", "下鴨", "北白川"), "606", "075"),
    Place("大阪府", "大阪市北区", ("梅田", "天神橋", "中之島"), "530", "06"),
    Place("兵庫県", "神戸市中央区", ("三宮町", "元町通", "北長狭通"), "650", "078"),
    Place("広島県", "広島市中区", ("基町", "紙屋町", "本通"), "730", "082"),
    Place("香川県", "高松市", ("番町", "丸の内", "瓦町"), "760", "087"),
    Place("福岡県", "福岡市博多区", ("博多駅前", "祇園町", "中洲"), "812", "092"),
    Place("熊本県", "熊本市中央区", ("手取本町", "水道町", "新市街"), "860", "096"),
    Place("鹿児島県", "鹿児島市", ("山下町", "東千石町", "天文館通"), "892", "099"),
    Place("沖縄県", "那覇市", ("久茂地", "泉崎", "松尾"), "900", "098"),
)

BUILDINGS: tuple[str, ...] = ("コーポ若葉", "ハイツ青葉", "グリーンヒル", "サンライズ", "メゾン桜")

COMMENTS: tuple[str, ...] = (
    "いつも丁寧な対応をありがとうございます。",
    "返礼品がとてもおいしかったです。",
    "手続きがもう少し簡単になると助かります。",
    "窓口の待ち時間が長いと感じました。",
    "図書館の開館時間を延ばしてほしいです。",
    "バスの本数を増やしてください。",
    "子育て支援の情報をもっと知りたいです。",
    "公園の遊具を新しくしてほしいです。",
    "広報誌が読みやすくなりました。",
    "駅前の駐輪場が足りないと思います。",
    "特に意見はありませんが、応援しています。",
    "地域のお祭りを楽しみにしています。",
    "高齢者向けの講座を増やしてほしい。",
    "ごみの分別方法をわかりやすくしてください。",
    "市のホームページが見づらいです。",
    "職員の方の説明がわかりやすかったです。",
    "道路の補修を早めにお願いします。",
    "観光案内の看板を増やすとよいと思います。",
    "オンラインで申請できるようにしてほしい。",
    "来年もまた寄附したいと思います。",
)


@dataclass(frozen=True)
class Person:
    surname: str
    given: str
    surname_kana: str
    given_kana: str
    romaji: str  # 'given.surname' for e-mail addresses
    sex: str  # 'male' | 'female'

    @property
    def full_name(self) -> str:
        return f"{self.surname}{SP}{self.given}"

    @property
    def kana(self) -> str:
        return f"{self.surname_kana}{SP}{self.given_kana}"


@dataclass(frozen=True)
class Address:
    place: Place
    postal: str  # 'NNN-NNNN'
    text: str


def make_person(rng: random.Random, sex: str | None = None, same_surname_as: Person | None = None) -> Person:
    sex = sex or rng.choice(("male", "female"))
    sur = _weighted_surname(rng)
    if same_surname_as is not None:  # a family member
        p = same_surname_as
        sur = (p.surname, p.surname_kana, p.romaji.split(".")[1])
    giv = rng.choice(MALE if sex == "male" else FEMALE)
    return Person(sur[0], giv[0], sur[1], giv[1], f"{giv[2]}.{sur[2]}", sex)


def _weighted_surname(rng: random.Random) -> tuple[str, str, str]:
    # Variant-kanji surnames (last entries, marked with weight 1) are rare on real forms.
    weights = [w for *_, w in SURNAMES]
    s = rng.choices(SURNAMES, weights=weights)[0]
    return (s[0], s[1], s[2])


def make_address(rng: random.Random) -> Address:
    place = rng.choice(PLACES)
    town = rng.choice(place.towns)
    postal = f"{place.postal}-{rng.randint(0, 99):02d}{rng.randint(0, 99):02d}"
    banchi, go = rng.randint(1, 40), rng.randint(1, 30)
    chome = f"{rng.randint(1, 6)}" if town.endswith("町") or rng.random() < 0.6 else ""
    style = rng.random()
    if chome and style < 0.45:
        rest = f"{chome}丁目{banchi}番{go}号"
    elif chome:
        rest = f"{chome}-{banchi}-{go}"
    else:
        rest = f"{rng.randint(1, 60)}地割{banchi}番地{go}" if style < 0.2 else f"{banchi}番地{go}"
    if rng.random() < 0.2:
        rest += f"{SP}{rng.choice(BUILDINGS)}{rng.randint(1, 5)}0{rng.randint(1, 8)}"
    return Address(place, postal, f"{place.prefecture}{place.city}{town}{rest}")


def make_phone(rng: random.Random, place: Place) -> str:
    if rng.random() < 0.55:
        head = rng.choice(("090", "080", "070"))
        return f"{head}-{rng.randint(1000, 9999)}-{rng.randint(0, 9999):04d}"
    area = place.area_code
    local = 10 - len(area) - 4  # fixed lines have 10 digits
    return f"{area}-{rng.randint(2 * 10 ** (local - 1), 10**local - 1)}-{rng.randint(0, 9999):04d}"


def make_email(rng: random.Random, person: Person) -> str:
    local = rng.choice((person.romaji, person.romaji.replace(".", "_"), person.romaji.split(".")[1]))
    if rng.random() < 0.6:
        local += str(rng.randint(1, 99))
    host = rng.choice(("example.jp", "example.ne.jp", "example.co.jp", "example.com"))
    return f"{local}@{host}"
