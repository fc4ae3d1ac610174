"""An English → Chinese bridge for questions asked in English.

BM25 cannot match an English question against Chinese text, and a multilingual model may
not be installed. A glossary of the policy vocabulary these documents use adds the
Chinese terms to an English question before it is tokenized: dictionary-based query
translation, the classic cross-language retrieval baseline.
"""

from __future__ import annotations

import re
from functools import lru_cache

# English place and zone names → Chinese; also what rag.followup counts as a place.
PLACES: dict[str, str] = {
    "greater bay area": "大湾区 粤港澳大湾区",
    "bay area": "湾区 大湾区",
    "guangdong-hong kong-macao": "粤港澳",
    "guangdong hong kong macao": "粤港澳",
    "guangdong": "广东 广东省",
    "hong kong": "香港",
    "macao": "澳门",
    "macau": "澳门",
    "guangzhou": "广州",
    "shenzhen": "深圳",
    "zhuhai": "珠海",
    "foshan": "佛山",
    "dongguan": "东莞",
    "zhongshan": "中山",
    "jiangmen": "江门",
    "huizhou": "惠州",
    "zhaoqing": "肇庆",
    "huangpu": "黄埔",
    "huangpu district": "黄埔区",
    "nansha": "南沙",
    "qianhai": "前海",
    "hengqin": "横琴",
    "hetao": "河套",
    "luohu": "罗湖",
    "longhua": "龙华",
    "pearl river delta": "珠三角",
    "china": "中国 我国 全国",
    "chinese": "中国",
    "national": "国家 全国 国家级",
    "nationwide": "全国",
    "province": "省",
    "provincial": "省",
    "city": "市 城市",
    "cities": "城市",
    "district": "区",
    "economic and technological development zone": "经济技术开发区 经开区",
    "economic and technological development zones": "经济技术开发区 经开区",
    "economic development zone": "经济开发区 经开区",
    "development zone": "开发区",
    "development zones": "开发区",
    "high-tech zone": "高新区",
    "high-tech zones": "高新区",
    "high tech zone": "高新区",
    "high-tech industrial development zone": "高新技术产业开发区 高新区",
    "free trade zone": "自贸区 自由贸易试验区",
    "pilot free trade zone": "自由贸易试验区 自贸区",
    "cooperation zone": "合作区",
    "demonstration zone": "示范区",
    "knowledge city": "知识城",
    "science city": "科学城",
    "biological island": "生物岛",
    "bio-island": "生物岛",
    "international legal service zone": "国际法务区",
    "legal services zone": "法务区",
}

# English phrase (lower case) → Chinese terms. Longer phrases win over their parts.
GLOSSARY: dict[str, str] = {
    **PLACES,
    # economy and business
    "business environment": "营商环境",
    "foreign investment": "外资 利用外资 外商投资",
    "foreign-invested enterprises": "外资企业",
    "foreign-invested enterprise": "外资企业",
    "foreign-funded enterprises": "外资企业",
    "foreign enterprises": "外资企业",
    "foreign capital": "外资",
    "foreign": "外资 境外 国外",
    "investment": "投资",
    "investors": "投资者",
    "investor": "投资者",
    "enterprises": "企业",
    "enterprise": "企业",
    "companies": "企业 公司",
    "company": "企业 公司",
    "firms": "企业",
    "private enterprises": "民营企业",
    "private economy": "民营经济",
    "private sector": "民营经济 民营企业",
    "state-owned enterprises": "国有企业",
    "smes": "中小企业",
    "small and medium-sized enterprises": "中小企业",
    "listed companies": "上市企业 上市公司",
    "listed": "上市",
    "high-tech enterprises": "高新技术企业",
    "specialized and sophisticated": "专精特新",
    "little giant": "小巨人",
    "little giants": "小巨人",
    "market entities": "市场主体 经营主体",
    "market players": "市场主体 经营主体",
    "market economy": "市场经济",
    "socialist market economy": "社会主义市场经济",
    "economy": "经济",
    "economic": "经济",
    "gdp": "生产总值 gdp",
    "output value": "产值",
    "industrial output": "工业总产值",
    "revenue": "营业收入 收入",
    "operating revenue": "营业收入",
    "growth": "增长",
    "increase": "增长 提高",
    "billion": "亿",
    "million": "万",
    "yuan": "元",
    "us dollars": "美元",
    "dollars": "美元",
    "trade": "贸易 外贸",
    "foreign trade": "外贸",
    "import": "进口",
    "imports": "进口",
    "export": "出口",
    "exports": "出口",
    "industry": "产业 工业",
    "industries": "产业",
    "industrial": "产业 工业",
    "industrial cluster": "产业集群",
    "industrial clusters": "产业集群",
    "manufacturing": "制造业",
    "advanced manufacturing": "先进制造业",
    "services": "服务 服务业",
    "service": "服务",
    "modern services": "现代服务业",
    "finance": "金融",
    "financial": "金融",
    "financing": "融资",
    "loans": "贷款",
    "loan": "贷款",
    "credit": "信用 征信",
    "credit information": "征信 信用信息",
    "banks": "银行",
    "bank": "银行",
    "securitization": "证券化",
    "platform": "平台",
    "platforms": "平台",
    "project": "项目",
    "projects": "项目",
    "talent": "人才",
    "talents": "人才",
    "innovation": "创新",
    "innovative": "创新",
    "technology": "科技 技术",
    "science and technology": "科技",
    "scientific research": "科研",
    "research": "研究 科研",
    "patent": "专利",
    "patents": "专利",
    "intellectual property": "知识产权",
    "reform": "改革",
    "reforms": "改革",
    "opening up": "开放 对外开放",
    "opening-up": "开放 对外开放",
    "policy": "政策",
    "policies": "政策",
    "regulation": "规管 监管",
    "regulations": "规管 法规",
    "regulatory": "监管",
    "supervision": "监管",
    "smart regulation": "精明规管",
    "be the smart regulator": "精明规管",
    "government": "政府",
    "digital government": "数字政府",
    "government services": "政务服务",
    "one-stop": "一站式",
    "one stop": "一站式",
    "arbitration": "仲裁",
    "arbitrators": "仲裁员",
    "arbitrator": "仲裁员",
    "court": "法院",
    "legal": "法律 法治",
    "law": "法律 法治",
    "rule of law": "法治",
    "cross-border": "跨境",
    "cross border": "跨境",
    "registration": "注册 登记",
    "register": "注册 登记",
    "cluster registration": "集群注册",
    "approval": "审批",
    "subway": "地铁",
    "metro": "地铁",
    "infrastructure": "基础设施",
    "high-quality development": "高质量发展",
    "high quality development": "高质量发展",
    "new quality productive forces": "新质生产力",
    "new productive forces": "新质生产力",
    "modern industrial system": "现代化产业体系",
    "belt and road": "一带一路",
    "world-class": "世界级",
    "fortune 500": "世界500强",
    "global ranking": "全球排名",
    "ranking": "排名",
    "ranked": "排名",
    "rank": "排名",
    "professor": "教授",
    "author": "作者",
    "university": "大学",
    "exhibition": "展会 展览",
    "cases": "案例",
    "case": "案例",
    "pricewaterhousecoopers": "普华永道",
    "pwc": "普华永道",
    "set up": "设立",
    "established": "设立 成立",
    "establish": "设立 建立",
    "launched": "推出 上线 启用",
    "launch": "推出 上线",
    "introduced": "推出 出台",
    "total": "累计 总量 合计",
    "cumulative": "累计",
    "so far": "累计 截至目前",
    "percent": "%",
    "percentage": "比例 %",
    "proportion": "比例 占比",
    "number": "数量",
    "year": "年",
}

_WORD = re.compile(r"[a-z][a-z0-9'\-]*")


@lru_cache(maxsize=1)
def _phrases() -> list[tuple[list[str], tuple[str, ...]]]:
    """(stemmed words, Chinese terms) of every entry, longest phrase first."""
    entries = [
        ([_stem(w) for w in phrase.split()], tuple(zh.split())) for phrase, zh in GLOSSARY.items()
    ]
    return sorted(entries, key=lambda e: -len(e[0]))


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def translate(question: str) -> list[tuple[str, ...]]:
    """For each English phrase of ``question`` in the glossary, its Chinese renderings.

    >>> translate("How many national high-tech zones are there in China?")
    [('国家', '全国', '国家级'), ('高新区',), ('中国', '我国', '全国')]
    """
    text = question.lower()
    tokens = [_stem(w) for w in _WORD.findall(text.replace("–", "-"))]
    found: list[tuple[str, ...]] = []
    i = 0
    while i < len(tokens):
        for words, zh in _phrases():
            n = len(words)
            if tokens[i : i + n] == words:
                found.append(zh)
                i += n
                break
        else:
            i += 1
    return found
