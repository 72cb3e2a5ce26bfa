"""The demo catalogue: fictional therapists with weekly hours and free slots.

Every therapist is keyed by `Therapist.slug`, so loading twice never duplicates anyone;
a second load only adds the free slots that are missing up to the horizon.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.availability import WeeklyWindow
from db.models import AvailabilityRule, Therapist, Topic
from db.schedule import ensure_future_slots

PORTRAITS_DIR = "assets/portraits"  # relative to the project root

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
WEEKDAYS = (MON, TUE, WED, THU, FRI)


@dataclass(frozen=True)
class DemoHours:
    """The same local hours on several weekdays: ``DemoHours((SAT, SUN), "10:00", "14:00")``."""

    weekdays: tuple[int, ...]
    start: str
    end: str

    def windows(self) -> list[WeeklyWindow]:
        return [
            WeeklyWindow(weekday, _minutes(self.start), _minutes(self.end))
            for weekday in self.weekdays
        ]


@dataclass(frozen=True)
class DemoTherapist:
    slug: str
    name_ru: str
    name_en: str
    gender: str
    offers_individual: bool
    offers_couple: bool
    price: int  # roubles per session
    session_minutes: int
    timezone: str
    topics: tuple[str, ...]  # codes from the topic catalogue (migration 0002)
    hours: tuple[DemoHours, ...]
    about_ru: str
    about_en: str
    education_ru: str
    education_en: str
    break_minutes: int = 10
    has_photo: bool = True
    active: bool = True

    @property
    def photo_path(self) -> str | None:
        return f"{PORTRAITS_DIR}/{self.slug}.png" if self.has_photo else None


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


DEMO_THERAPISTS: tuple[DemoTherapist, ...] = (
    DemoTherapist(
        slug="demo-anna-smirnova",
        name_ru="Анна Смирнова",
        name_en="Anna Smirnova",
        gender="female",
        offers_individual=True,
        offers_couple=False,
        price=3500,
        session_minutes=50,
        timezone="Europe/Moscow",
        topics=("anxiety", "panic", "stress", "sleep"),
        hours=(DemoHours((MON, TUE, WED, THU), "18:00", "22:00"),),
        about_ru=(
            "Я работаю с тревогой, паническими атаками и бессонницей в когнитивно-"
            "поведенческом подходе. На первой встрече мы спокойно разберёмся, что "
            "происходит, и договоримся о целях, которые важны именно вам. Я объясняю, как "
            "устроена тревога, и предлагаю небольшие упражнения между сессиями, чтобы "
            "изменения чувствовались не только на наших встречах, но и в обычной жизни. "
            "Со мной можно говорить о чём угодно — без оценок и спешки."
        ),
        about_en=(
            "I help people with anxiety, panic attacks and sleepless nights, using cognitive "
            "behavioural therapy. In our first session we will calmly look at what is going "
            "on and agree on goals that matter to you. I explain how anxiety works and "
            "suggest small exercises between sessions, so that change shows up in everyday "
            "life, not only in our conversations. You can talk to me about anything, without "
            "judgement or hurry."
        ),
        education_ru=(
            "МГУ имени М. В. Ломоносова, факультет психологии (2013). Повышение "
            "квалификации по когнитивно-поведенческой терапии тревожных расстройств "
            "(2016). Регулярная супервизия."
        ),
        education_en=(
            "Lomonosov Moscow State University, Faculty of Psychology (2013). Advanced "
            "training in CBT for anxiety disorders (2016). Regular supervision."
        ),
    ),
    DemoTherapist(
        slug="demo-dmitry-volkov",
        name_ru="Дмитрий Волков",
        name_en="Dmitry Volkov",
        gender="male",
        offers_individual=True,
        offers_couple=True,
        price=5500,
        session_minutes=80,
        timezone="Europe/Moscow",
        topics=("relationships", "family", "trauma", "stress"),
        hours=(
            DemoHours((SAT,), "10:00", "17:00"),
            DemoHours((SUN,), "11:00", "16:00"),
            DemoHours((WED,), "19:00", "22:00"),
        ),
        about_ru=(
            "Я семейный психотерапевт и работаю как с парами, так и с каждым человеком "
            "отдельно. Часто ко мне приходят, когда в отношениях накопилось много "
            "недосказанного, ссоры повторяются по одному и тому же кругу или после тяжёлого "
            "события сложно снова почувствовать опору. Вместе мы ищем, что на самом деле "
            "стоит за конфликтом, и учимся говорить так, чтобы вас слышали. Работаю бережно "
            "и в вашем темпе — по выходным и в среду вечером."
        ),
        about_en=(
            "I am a family therapist and work both with couples and with individuals. People "
            "often come to me when too much has been left unsaid in a relationship, when "
            "arguments keep going round the same circle, or when after a hard event it is "
            "difficult to feel solid ground again. Together we look for what really lies "
            "behind the conflict and practise speaking so that you are heard. I work gently "
            "and at your pace, on weekends and on Wednesday evenings."
        ),
        education_ru=(
            "СПбГУ, факультет психологии (2009). Программа подготовки по системной семейной "
            "психотерапии (2012). Член профессионального сообщества семейных терапевтов."
        ),
        education_en=(
            "Saint Petersburg State University, Faculty of Psychology (2009). Training "
            "programme in systemic family therapy (2012). Member of a professional "
            "association of family therapists."
        ),
    ),
    DemoTherapist(
        slug="demo-elena-kuznetsova",
        name_ru="Елена Кузнецова",
        name_en="Elena Kuznetsova",
        gender="female",
        offers_individual=False,
        offers_couple=True,
        price=6500,
        session_minutes=80,
        timezone="Europe/Moscow",
        topics=("relationships", "family", "parenting"),
        hours=(
            DemoHours((TUE, THU), "17:00", "21:30"),
            DemoHours((SAT,), "12:00", "16:00"),
        ),
        about_ru=(
            "Я работаю только с парами — это моя основная и любимая специализация. "
            "Использую эмоционально-фокусированную терапию: она помогает увидеть, какие "
            "чувства и потребности прячутся за упрёками и молчанием. Ко мне приходят пары на "
            "грани расставания, пары после измены, молодые родители, которые вдруг перестали "
            "узнавать друг друга. Моя задача — не решить, кто прав, а помочь вам снова стать "
            "командой."
        ),
        about_en=(
            "I work with couples only; it is my main and favourite specialisation. I use "
            "emotionally focused therapy, which helps to see the feelings and needs hidden "
            "behind reproaches and silence. Couples come to me on the verge of breaking up, "
            "after an affair, or as new parents who suddenly no longer recognise each other. "
            "My job is not to decide who is right but to help you become a team again."
        ),
        education_ru=(
            "РГГУ, клиническая психология (2010). Базовый и продвинутый курсы "
            "эмоционально-фокусированной терапии пар (2015, 2018)."
        ),
        education_en=(
            "Russian State University for the Humanities, clinical psychology (2010). Basic "
            "and advanced training in emotionally focused couple therapy (2015, 2018)."
        ),
    ),
    DemoTherapist(
        slug="demo-maria-ivanova",
        name_ru="Мария Иванова",
        name_en="Maria Ivanova",
        gender="female",
        offers_individual=True,
        offers_couple=False,
        price=2500,
        session_minutes=50,
        timezone="Asia/Yekaterinburg",
        topics=("depression", "grief", "loneliness", "self_esteem"),
        hours=(DemoHours(WEEKDAYS, "08:00", "12:00"),),
        about_ru=(
            "Я начинающий психолог-консультант и работаю в клиент-центрированном подходе "
            "под регулярной супервизией. Мне близки темы утраты, одиночества, апатии и "
            "сложных отношений с самим собой. Я не даю готовых советов: вместе мы "
            "замедляемся и ищем ваши собственные ответы. Работаю по утрам, поэтому удобно "
            "встретиться до начала рабочего дня."
        ),
        about_en=(
            "I am an early-career counsellor working in the person-centred approach under "
            "regular supervision. I feel close to the themes of loss, loneliness, apathy and "
            "a difficult relationship with oneself. I do not hand out ready-made advice: "
            "together we slow down and look for your own answers. I work in the mornings, so "
            "we can meet before your working day begins."
        ),
        education_ru=(
            "Уральский федеральный университет, психология (2021). Программа подготовки "
            "консультантов в клиент-центрированном подходе (2023)."
        ),
        education_en=(
            "Ural Federal University, psychology (2021). Counsellor training in the "
            "person-centred approach (2023)."
        ),
    ),
    DemoTherapist(
        slug="demo-sergey-morozov",
        name_ru="Сергей Морозов",
        name_en="Sergey Morozov",
        gender="male",
        offers_individual=True,
        offers_couple=False,
        price=4000,
        session_minutes=50,
        timezone="Europe/Moscow",
        topics=("burnout", "career", "stress", "anxiety"),
        hours=(
            DemoHours((MON, WED, FRI), "19:00", "23:00"),
            DemoHours((SUN,), "18:00", "21:00"),
        ),
        about_ru=(
            "До психологии я десять лет работал в IT, поэтому хорошо знаю, как выглядит "
            "выгорание изнутри: дедлайны, бесконечные созвоны и ощущение, что отдых больше "
            "не помогает. Сейчас я помогаю людям вернуть энергию, разобраться, чего они "
            "хотят от работы, и выстроить границы без чувства вины. Работаю в "
            "когнитивно-поведенческом подходе и в терапии принятия и ответственности."
        ),
        about_en=(
            "Before becoming a therapist I spent ten years in IT, so I know what burnout "
            "looks like from the inside: deadlines, endless calls and the feeling that rest "
            "no longer helps. Now I help people get their energy back, work out what they "
            "want from their job and set boundaries without guilt. I use cognitive "
            "behavioural therapy and acceptance and commitment therapy."
        ),
        education_ru=(
            "НИУ ВШЭ, магистратура «Психологическое консультирование» (2018). Курс по "
            "терапии принятия и ответственности (2020)."
        ),
        education_en=(
            "HSE University, master's programme in psychological counselling (2018). "
            "Training in acceptance and commitment therapy (2020)."
        ),
    ),
    DemoTherapist(
        slug="demo-olga-petrova",
        name_ru="Ольга Петрова",
        name_en="Olga Petrova",
        gender="female",
        offers_individual=True,
        offers_couple=False,
        price=4500,
        session_minutes=50,
        timezone="Europe/Kaliningrad",
        topics=("eating", "self_esteem", "anxiety", "depression"),
        hours=(DemoHours(WEEKDAYS, "09:00", "14:00"),),
        about_ru=(
            "Я помогаю тем, у кого непростые отношения с едой и собственным телом: "
            "переедание, жёсткие диеты, постоянная критика себя перед зеркалом. В работе "
            "опираюсь на когнитивно-поведенческую терапию и на много тепла. Мы не будем "
            "считать калории — мы будем учиться слышать себя, замечать свои потребности и "
            "обращаться с собой по-доброму. Первая встреча — просто знакомство, без "
            "обязательств."
        ),
        about_en=(
            "I help people who have a difficult relationship with food and their own body: "
            "overeating, strict diets, constant self-criticism in front of the mirror. My "
            "work rests on cognitive behavioural therapy and a lot of warmth. We will not "
            "count calories; we will learn to listen to yourself, notice your needs and treat "
            "yourself kindly. The first session is simply a chance to get to know each "
            "other, with no obligations."
        ),
        education_ru=(
            "БФУ имени И. Канта, психология (2011). Специализация по терапии расстройств "
            "пищевого поведения (2017)."
        ),
        education_en=(
            "Immanuel Kant Baltic Federal University, psychology (2011). Specialisation in "
            "the treatment of eating disorders (2017)."
        ),
    ),
    DemoTherapist(
        slug="demo-alexey-sokolov",
        name_ru="Алексей Соколов",
        name_en="Alexey Sokolov",
        gender="male",
        offers_individual=True,
        offers_couple=False,
        price=3000,
        session_minutes=50,
        timezone="Asia/Novosibirsk",
        topics=("addiction", "depression", "family", "loneliness"),
        hours=(DemoHours((TUE, WED, THU, FRI, SAT), "14:00", "20:00"),),
        about_ru=(
            "Я работаю с зависимостями — от алкоголя и азартных игр до бесконечной ленты в "
            "телефоне, — а также с теми, кто живёт рядом с зависимым человеком. Знаю, как "
            "трудно решиться прийти и как легко винить себя за срывы. На наших встречах "
            "стыду не будет места: мы разберёмся, какую задачу решает для вас зависимость, и "
            "поищем другие способы справляться."
        ),
        about_en=(
            "I work with addictions, from alcohol and gambling to endless scrolling, and "
            "with people who live next to someone who is dependent. I know how hard it is to "
            "decide to come and how easy it is to blame yourself for a relapse. There is no "
            "room for shame in our sessions: we will explore what the addiction does for you "
            "and look for other ways to cope."
        ),
        education_ru=(
            "Новосибирский государственный университет, психология (2012). Подготовка по "
            "мотивационному консультированию (2015). Опыт работы в реабилитационном центре."
        ),
        education_en=(
            "Novosibirsk State University, psychology (2012). Training in motivational "
            "interviewing (2015). Experience at a rehabilitation centre."
        ),
    ),
    DemoTherapist(
        slug="demo-natalia-lebedeva",
        name_ru="Наталья Лебедева",
        name_en="Natalia Lebedeva",
        gender="female",
        offers_individual=True,
        offers_couple=True,
        price=7000,
        session_minutes=80,
        break_minutes=20,
        timezone="Europe/Moscow",
        topics=("trauma", "grief", "panic", "anxiety", "relationships"),
        hours=(
            DemoHours((MON, WED), "10:00", "13:00"),
            DemoHours((THU,), "16:00", "20:00"),
        ),
        # Deliberately long: the profile card has to shorten it to fit a photo caption.
        about_ru=(
            "Я клинический психолог и психотерапевт с двадцатилетним опытом. Основное "
            "направление моей работы — последствия травматических событий: аварии, насилие, "
            "внезапные потери, долгий стресс, после которого кажется, что жизнь разделилась "
            "на «до» и «после». Я использую EMDR, схема-терапию и телесно-ориентированные "
            "техники и подбираю их под человека, а не наоборот. Для меня важно, чтобы в "
            "терапии было безопасно: мы не будем торопиться и погружаться в тяжёлые "
            "воспоминания раньше, чем вы будете к этому готовы. Сначала мы укрепляем опору — "
            "сон, способность успокаиваться, контакт с близкими, — и только потом "
            "возвращаемся к тому, что болит. Я также работаю с парами, которые вместе "
            "проживают горе, или когда один партнёр пережил травму, а второй не знает, как "
            "помочь. Многие мои клиенты приходят после нескольких неудачных попыток терапии, "
            "и я отношусь к этому с уважением: иногда нужно время, чтобы найти своего "
            "специалиста. Если вы сомневаетесь, подходит ли вам мой подход, мы можем "
            "спокойно обсудить это на первой встрече."
        ),
        about_en=(
            "I am a clinical psychologist and psychotherapist with twenty years of "
            "experience. Most of my work is about the aftermath of traumatic events: "
            "accidents, violence, sudden losses, long stretches of stress after which life "
            "seems split into a before and an after. I use EMDR, schema therapy and "
            "body-oriented techniques, and I fit them to the person rather than the other way "
            "round. Safety comes first for me: we will not hurry, and we will not go into "
            "painful memories before you are ready. First we strengthen your footing, such "
            "as sleep, the ability to calm down and contact with people close to you, and "
            "only then do we return to what hurts. I also work with couples who are grieving "
            "together, or where one partner has lived through trauma and the other does not "
            "know how to help. Many of my clients come to me after several attempts at "
            "therapy that did not work out, and I respect that: sometimes it takes time to "
            "find your person. If you are unsure whether my approach suits you, we can talk "
            "it over calmly in our first session."
        ),
        education_ru=(
            "СПбГУ, клиническая психология (2004). Сертифицированный EMDR-терапевт (2011). "
            "Подготовка по схема-терапии (2016). Ведёт супервизии для молодых коллег."
        ),
        education_en=(
            "Saint Petersburg State University, clinical psychology (2004). Certified EMDR "
            "therapist (2011). Training in schema therapy (2016). Supervises younger "
            "colleagues."
        ),
    ),
    DemoTherapist(
        slug="demo-irina-kozlova",
        name_ru="Ирина Козлова",
        name_en="Irina Kozlova",
        gender="female",
        offers_individual=True,
        offers_couple=False,
        price=2000,
        session_minutes=50,
        timezone="Europe/Moscow",
        topics=("parenting", "family", "stress", "sleep"),
        hours=(
            DemoHours((SAT, SUN), "09:00", "13:00"),
            DemoHours((MON, WED), "08:00", "10:00"),
        ),
        about_ru=(
            "Я психолог и мама двоих детей. Помогаю родителям, которые устали, чувствуют "
            "вину и не понимают, как договориться с ребёнком без крика. Работаю с "
            "трудностями после рождения ребёнка, с нарушениями сна у взрослых после "
            "бессонных ночей, с кризисом трёх лет и подростковым возрастом. Встречи проходят "
            "по утрам и в выходные — в то время, когда у родителей бывает хоть немного "
            "тишины."
        ),
        about_en=(
            "I am a psychologist and a mother of two. I help parents who are exhausted, feel "
            "guilty and do not know how to reach an agreement with their child without "
            "shouting. I work with the difficulties that follow a birth, with adult sleep "
            "problems after many sleepless nights, with the terrible twos and with the "
            "teenage years. Sessions are in the mornings and on weekends, when parents tend "
            "to have at least a little quiet."
        ),
        education_ru=(
            "МПГУ, педагогическая психология (2014). Курс детско-родительского "
            "консультирования (2019)."
        ),
        education_en=(
            "Moscow Pedagogical State University, educational psychology (2014). Training "
            "in parent and child counselling (2019)."
        ),
        has_photo=False,
    ),
    DemoTherapist(
        slug="demo-pavel-novikov",
        name_ru="Павел Новиков",
        name_en="Pavel Novikov",
        gender="male",
        offers_individual=False,
        offers_couple=True,
        price=6000,
        session_minutes=80,
        timezone="Europe/Moscow",
        topics=("relationships", "family", "parenting"),
        hours=(DemoHours(WEEKDAYS, "19:00", "22:30"),),
        about_ru=(
            "Я работаю с парами по методу Готтманов. Помогаю партнёрам, которые отдалились "
            "друг от друга, постоянно спорят о деньгах, быте или детях или стоят перед "
            "решением, оставаться ли вместе. Мы будем учиться ссориться конструктивно, "
            "восстанавливать близость после конфликтов и замечать хорошее, что уже есть в "
            "ваших отношениях. Встречи проходят по будним вечерам, чтобы оба партнёра могли "
            "прийти после работы."
        ),
        about_en=(
            "I work with couples using the Gottman method. I help partners who have drifted "
            "apart, keep arguing about money, chores or children, or face the decision "
            "whether to stay together. We will learn to argue constructively, repair "
            "closeness after a conflict and notice the good things already present in your "
            "relationship. Sessions are on weekday evenings, so that both partners can come "
            "after work."
        ),
        education_ru=(
            "Московский институт психоанализа, психологическое консультирование (2012). "
            "Обучение методу Готтманов, уровни 1–3 (2017–2019)."
        ),
        education_en=(
            "Moscow Institute of Psychoanalysis, psychological counselling (2012). Gottman "
            "method training, levels 1 to 3 (2017 to 2019)."
        ),
    ),
    DemoTherapist(
        slug="demo-tatiana-orlova",
        name_ru="Татьяна Орлова",
        name_en="Tatiana Orlova",
        gender="female",
        offers_individual=True,
        offers_couple=False,
        price=3800,
        session_minutes=50,
        timezone="Europe/Moscow",
        topics=("loneliness", "relationships", "self_esteem"),
        hours=(DemoHours(WEEKDAYS, "12:00", "18:00"),),
        about_ru=(
            "Я гештальт-терапевт. Работаю с одиночеством, неуверенностью в себе и "
            "трудностями в близких отношениях. Мне важно, чтобы на сессии вы могли быть "
            "собой: злиться, грустить, сомневаться и не подбирать слова. Вместе мы "
            "исследуем, как вы строите контакт с другими людьми и что мешает получать от "
            "него то, чего хочется. Сейчас я в отпуске и не принимаю новых клиентов."
        ),
        about_en=(
            "I am a Gestalt therapist. I work with loneliness, low self-confidence and "
            "difficulties in close relationships. It matters to me that in a session you can "
            "be yourself: be angry, sad or unsure, without choosing your words. Together we "
            "explore how you make contact with other people and what keeps you from getting "
            "what you want from it. I am on leave at the moment and not taking new clients."
        ),
        education_ru=(
            "РУДН, психология (2011). Московский гештальт институт, полный курс подготовки "
            "гештальт-терапевтов (2016)."
        ),
        education_en=(
            "RUDN University, psychology (2011). Moscow Gestalt Institute, full Gestalt "
            "therapist training (2016)."
        ),
        active=False,
    ),
    DemoTherapist(
        slug="demo-mikhail-fedorov",
        name_ru="Михаил Фёдоров",
        name_en="Mikhail Fedorov",
        gender="male",
        offers_individual=True,
        offers_couple=True,
        price=5000,
        session_minutes=50,
        timezone="Asia/Yekaterinburg",
        topics=("anxiety", "depression", "burnout", "relationships"),
        hours=(
            DemoHours((TUE, THU), "19:00", "23:00"),
            DemoHours((SAT,), "10:00", "14:00"),
        ),
        about_ru=(
            "Я психотерапевт с медицинским образованием: по первой специальности я "
            "врач-психиатр, поэтому помогу понять, когда стоит подключить лечение, а когда "
            "достаточно психотерапии. Работаю с тревогой, депрессией и выгоранием, а также с "
            "парами, которые переживают трудный период. Говорю просто, без терминов, и "
            "всегда объясняю, что и зачем мы делаем."
        ),
        about_en=(
            "I am a therapist with a medical background: I first trained as a psychiatrist, "
            "so I can help you see when medication is worth considering and when therapy "
            "alone is enough. I work with anxiety, depression and burnout, and with couples "
            "going through a hard time. I speak plainly, without jargon, and always explain "
            "what we are doing and why."
        ),
        education_ru=(
            "Уральский государственный медицинский университет, лечебное дело (2008), "
            "ординатура по психиатрии (2010). Подготовка по когнитивно-поведенческой "
            "терапии (2013)."
        ),
        education_en=(
            "Ural State Medical University, general medicine (2008), residency in psychiatry "
            "(2010). Training in cognitive behavioural therapy (2013)."
        ),
    ),
)


async def load_demo(session: AsyncSession, *, now: datetime, horizon_days: int = 14) -> int:
    """Create the demo therapists that are missing and fill their free slots; commits.

    Returns how many therapists were created. Existing ones are left as they are (an
    admin may have edited them); only their missing future slots are added.
    """
    topics = {topic.code: topic for topic in (await session.scalars(select(Topic))).all()}
    wanted = {code for spec in DEMO_THERAPISTS for code in spec.topics}
    if missing := sorted(wanted - topics.keys()):
        raise RuntimeError(f"topics {missing} are not in the database: run the migrations")

    slugs = [spec.slug for spec in DEMO_THERAPISTS]
    rows = await session.execute(
        select(Therapist.slug, Therapist.id).where(Therapist.slug.in_(slugs))
    )
    existing: dict[str | None, int] = dict(rows.all())
    created = 0
    for spec in DEMO_THERAPISTS:
        if spec.slug in existing:
            continue
        therapist = Therapist(
            slug=spec.slug,
            name_ru=spec.name_ru,
            name_en=spec.name_en,
            gender=spec.gender,
            offers_individual=spec.offers_individual,
            offers_couple=spec.offers_couple,
            price=spec.price,
            session_minutes=spec.session_minutes,
            timezone=spec.timezone,
            about_ru=spec.about_ru,
            about_en=spec.about_en,
            education_ru=spec.education_ru,
            education_en=spec.education_en,
            photo_path=spec.photo_path,
            active=spec.active,
            created_at=now,
            topics=[topics[code] for code in spec.topics],
        )
        session.add(therapist)
        await session.flush()  # the rules need the id
        session.add_all(
            AvailabilityRule(
                therapist_id=therapist.id,
                weekday=window.weekday,
                start_minute=window.start_minute,
                end_minute=window.end_minute,
                break_minutes=spec.break_minutes,
            )
            for hours in spec.hours
            for window in hours.windows()
        )
        existing[spec.slug] = therapist.id
        created += 1

    await session.flush()
    await ensure_future_slots(
        session, now=now, horizon_days=horizon_days, therapist_ids=existing.values()
    )
    await session.commit()
    return created
